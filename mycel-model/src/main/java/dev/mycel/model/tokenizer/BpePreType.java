package dev.mycel.model.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The pre-tokenizer rules of a byte-level BPE vocabulary, chosen by the GGUF key
 * {@code tokenizer.ggml.pre}. Each family is the list of regexes llama.cpp applies (in its
 * {@code llm_tokenizer_bpe}), in Java syntax, plus the per-family defaults llama.cpp sets.
 *
 * <p>Every regex is applied with llama.cpp's whitespace convention (see
 * {@link PreTokenizer.RegexSplit}); {@code \s} therefore means Unicode whitespace.
 *
 * @param family        the rule set, for display
 * @param regexes       applied in order, each isolating its matches
 * @param ignoreMerges  a word that is itself a token is emitted whole, without merging (Llama 3)
 * @param addBos        whether BOS is added by default, before {@code tokenizer.ggml.add_bos_token}
 * @param noBos         the family has no BOS token at all, whatever the metadata says (ChatGLM 4)
 */
record BpePreType(String family, List<String> regexes, boolean ignoreMerges, boolean addBos, boolean noBos) {

    /** GPT-2's regex, with llama.cpp's hand-written version's trailing {@code \s+} spelled out. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's regex; the case-insensitive contractions are written out as llama.cpp does. */
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's regex: Llama 3's with single digits. */
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?";
    private static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + CONTRACTION
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + CONTRACTION
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String DEEPSEEK_LLM_LETTERS = "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}"
            + "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}"
            + "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}"
            + "\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
            + "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}"
            + "\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
            + "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}"
            + "\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
            + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
            + "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
            + "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
            + "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
            + "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
            + "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
            + "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
            + "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
            + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
            + "\\x{1E900}-\\x{1E943}]+";
    /** CJK ideographs, the U+0800..U+4E00 block run, and Hangul, as DeepSeek's tokenizers group them. */
    private static final String CJK = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
    private static final String BLOOM = " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+";

    private static final BpePreType GPT2_FAMILY = new BpePreType("gpt-2", List.of(GPT2), false, false, false);
    private static final BpePreType LLAMA3_FAMILY = new BpePreType("llama3", List.of(LLAMA3), true, true, false);
    private static final BpePreType QWEN2_FAMILY = new BpePreType("qwen2", List.of(QWEN2), false, false, false);
    private static final BpePreType STARCODER_FAMILY = new BpePreType("starcoder", List.of("\\p{N}", GPT2), false, false, false);
    private static final BpePreType DEFAULT = new BpePreType("default",
            List.of("[\\p{P}$+<=>^~|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"), false, false, false);

    private static final Map<String, BpePreType> BY_NAME = new LinkedHashMap<>();

    static {
        for (String name : List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                "dbrx", "smaug-bpe")) {
            BY_NAME.put(name, LLAMA3_FAMILY);
        }
        for (String name : List.of("qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "hunyuan", "grok-2")) {
            BY_NAME.put(name, QWEN2_FAMILY);
        }
        for (String name : List.of("gpt-2", "phi-2", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "gigachat",
                "a.x-4.0", "mellum", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4", "jina-v1-en",
                "jina-v2-code", "roberta-bpe")) {
            BY_NAME.put(name, GPT2_FAMILY);
        }
        for (String name : List.of("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b")) {
            BY_NAME.put(name, STARCODER_FAMILY);
        }
        BY_NAME.put("default", DEFAULT);
        BY_NAME.put("falcon", new BpePreType("falcon", List.of("[\\p{P}$+<=>^~|`]+", GPT2, "[0-9][0-9][0-9]"),
                false, false, false));
        BY_NAME.put("deepseek-llm", new BpePreType("deepseek-llm", List.of(
                "[\\r\\n]",
                DEEPSEEK_LLM_LETTERS,
                "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                "\\s+\\z", // llama.cpp's "\\s+$": Java's $ would also match before a final newline
                CJK,
                "\\p{N}+"), false, false, false));
        BY_NAME.put("deepseek-coder", new BpePreType("deepseek-coder", List.of(
                "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}"), false, false, false));
        BY_NAME.put("chatglm-bpe", new BpePreType("chatglm4", List.of(LLAMA3), false, false, true));
        BY_NAME.put("glm4", BY_NAME.get("chatglm-bpe"));
        BY_NAME.put("tekken", new BpePreType("tekken", List.of(TEKKEN), true, true, false));
        for (String name : List.of("gpt-4o", "llama4", "minimax-m2")) {
            BY_NAME.put(name, new BpePreType("gpt-4o", List.of(GPT4O), false, false, false));
        }
        for (String name : List.of("poro-chat", "bloom", "gpt3-finnish")) {
            BY_NAME.put(name, new BpePreType("bloom", List.of(BLOOM), false, false, false));
        }
        BY_NAME.put("viking", new BpePreType("viking", List.of(BLOOM, "\\p{N}"), false, false, false));
    }

    /** The rules for a {@code tokenizer.ggml.pre} value; a missing value means llama.cpp's "default". */
    static Optional<BpePreType> forName(String pre) {
        return Optional.ofNullable(BY_NAME.get(pre == null || pre.isEmpty() ? "default" : pre));
    }

    /** The supported {@code tokenizer.ggml.pre} values, sorted, for error messages. */
    static String supportedNames() {
        return String.join(", ", new TreeSet<>(BY_NAME.keySet()));
    }

    PreTokenizer preTokenizer() {
        return PreTokenizer.llamaCpp(regexes);
    }
}
