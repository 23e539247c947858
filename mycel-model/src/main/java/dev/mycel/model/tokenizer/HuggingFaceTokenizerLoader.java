package dev.mycel.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds a tokenizer from a Hugging Face model directory: {@code tokenizer.json} with a BPE model,
 * and optionally {@code tokenizer_config.json} and {@code generation_config.json}.
 *
 * <p>Added tokens marked {@code special} become CONTROL tokens and the others USER_DEFINED ones,
 * which is how llama.cpp's converter writes them to GGUF, so both paths tokenize alike.
 */
final class HuggingFaceTokenizerLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String file;

    private HuggingFaceTokenizerLoader(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("tokenizer.json").toString();
    }

    static Tokenizer load(Path dir) {
        return new HuggingFaceTokenizerLoader(dir).load();
    }

    private Tokenizer load() {
        JsonNode root = readJson(dir.resolve("tokenizer.json"), true);
        JsonNode config = readJson(dir.resolve("tokenizer_config.json"), false);
        JsonNode generation = readJson(dir.resolve("generation_config.json"), false);

        JsonNode model = root.path("model");
        String modelType = model.path("type").asText("");
        if (modelType.isEmpty() && model.has("merges")) {
            modelType = "BPE"; // old files omit the type
        }
        if (!modelType.equals("BPE")) {
            throw new ModelFormatException(file + ": tokenizer model type '" + modelType
                    + "' is not supported; Mycel reads BPE tokenizer.json files");
        }
        if (!model.path("continuing_subword_prefix").isNull() && !model.path("continuing_subword_prefix").isMissingNode()
                || !model.path("end_of_word_suffix").isNull() && !model.path("end_of_word_suffix").isMissingNode()) {
            throw new ModelFormatException(file + ": BPE with a subword prefix or end-of-word suffix is not supported");
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw new ModelFormatException(file + ": 'model.vocab' is missing or empty");
        }
        JsonNode mergesNode = model.path("merges");
        if (!mergesNode.isArray()) {
            throw new ModelFormatException(file + ": BPE model has no 'merges'");
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);

        // Token table: the model vocabulary plus the added tokens (which may extend it or repeat entries).
        int size = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            size = Math.max(size, tokenId(e.getValue(), "model.vocab") + 1);
        }
        JsonNode added = root.path("added_tokens");
        for (JsonNode t : added) {
            size = Math.max(size, tokenId(t.path("id"), "added_tokens") + 1);
        }
        String[] texts = new String[size];
        int[] attrs = new int[size];
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt();
            texts[id] = e.getKey();
            boolean isByte = byteFallback && VocabularyTokenizer.byteTokenValue(e.getKey()) >= 0;
            attrs[id] = isByte ? TokenAttributes.BYTE : TokenAttributes.NORMAL;
        }
        for (JsonNode t : added) {
            int id = t.path("id").asInt();
            texts[id] = t.path("content").asText();
            int a = t.path("special").asBoolean(false) ? TokenAttributes.CONTROL : TokenAttributes.USER_DEFINED;
            if (t.path("lstrip").asBoolean(false)) {
                a |= TokenAttributes.LSTRIP;
            }
            if (t.path("rstrip").asBoolean(false)) {
                a |= TokenAttributes.RSTRIP;
            }
            attrs[id] = a;
        }
        Vocabulary vocab = new Vocabulary(file, texts, new float[size], attrs);

        String unkText = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        if (unkText != null && vocab.id(unkText) >= 0) {
            vocab.unk = vocab.id(unkText);
            vocab.setAttrs(vocab.unk, TokenAttributes.UNKNOWN);
        }
        vocab.bos = tokenOf(vocab, config.path("bos_token"));
        vocab.eos = tokenOf(vocab, config.path("eos_token"));
        readGenerationConfig(vocab, generation);
        readAddSpecial(vocab, config, root.path("post_processor"));
        if (vocab.addBos && vocab.bos < 0) {
            throw new ModelFormatException(file + ": the tokenizer adds a BOS token but no 'bos_token' is configured");
        }
        Path name = dir.toAbsolutePath().getFileName();
        vocab.finishSpecialTokens(name == null ? "" : name.toString());
        for (int id : generationEosIds(generation)) {
            if (vocab.inRange(id)) {
                vocab.addEndOfGeneration(id); // Llama 3 Instruct lists <|eot_id|> here
            }
        }

        List<TextNormalizer> normalizers = new ArrayList<>();
        readNormalizer(root.path("normalizer"), normalizers);
        List<PreTokenizer.Step> steps = new ArrayList<>();
        boolean byteLevel = readPreTokenizer(root.path("pre_tokenizer"), steps)
                || "ByteLevel".equals(root.path("decoder").path("type").asText());
        char spaceMark = byteLevel ? 0 : SentencePieceTokenizer.SPACE_MARK;

        BpeMerges merges = new BpeMerges(vocab, mergesNode.size());
        int rank = 0;
        for (JsonNode m : mergesNode) {
            if (m.isArray() && m.size() == 2) {
                merges.add(m.get(0).asText(), m.get(1).asText(), rank);
            } else if (m.isTextual()) {
                String line = m.asText();
                int space = line.indexOf(' ', 1);
                if (space > 0) {
                    merges.add(line.substring(0, space), line.substring(space + 1), rank);
                }
            } else {
                throw new ModelFormatException(file + ": merge " + rank + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
            rank++;
        }
        var options = new BpeTokenizer.Options(TextNormalizer.sequence(normalizers), new PreTokenizer(steps), byteLevel,
                byteFallback, model.path("ignore_merges").asBoolean(false), model.path("fuse_unk").asBoolean(false),
                spaceMark);
        String type = "tokenizer.json/BPE " + (byteLevel ? "byte-level" : "sentencepiece");
        return new BpeTokenizer(vocab, merges, options, type, chatTemplate(config));
    }

    private int tokenId(JsonNode id, String where) {
        if (!id.canConvertToInt() || id.asInt() < 0 || id.asInt() > 10_000_000) {
            throw new ModelFormatException(file + ": '" + where + "' has an impossible token id " + id);
        }
        return id.asInt();
    }

    /** A token named in tokenizer_config.json, as a string or as an AddedToken object. */
    private static int tokenOf(Vocabulary vocab, JsonNode node) {
        String text = node.isTextual() ? node.asText() : node.path("content").isTextual() ? node.path("content").asText() : null;
        return text == null ? -1 : vocab.id(text);
    }

    /** generation_config.json's {@code eos_token_id}, a number or a list of numbers. */
    private static List<Integer> generationEosIds(JsonNode generation) {
        JsonNode eos = generation.path("eos_token_id");
        List<Integer> ids = new ArrayList<>();
        if (eos.canConvertToInt()) {
            ids.add(eos.asInt());
        }
        for (JsonNode id : eos.isArray() ? eos : List.<JsonNode>of()) {
            if (id.canConvertToInt()) {
                ids.add(id.asInt());
            }
        }
        return ids;
    }

    /** Fills in BOS/EOS from generation_config.json when tokenizer_config.json does not name them. */
    private static void readGenerationConfig(Vocabulary vocab, JsonNode generation) {
        List<Integer> eos = generationEosIds(generation);
        if (vocab.eos < 0 && !eos.isEmpty() && vocab.inRange(eos.getFirst())) {
            vocab.eos = eos.getFirst();
        }
        JsonNode bos = generation.path("bos_token_id");
        if (vocab.bos < 0 && bos.canConvertToInt() && vocab.inRange(bos.asInt())) {
            vocab.bos = bos.asInt();
        }
    }

    /**
     * Whether BOS/EOS are added: tokenizer_config.json says so explicitly in Llama 2 style files;
     * Llama 3 style files instead put BOS in the post-processor's template.
     */
    private static void readAddSpecial(Vocabulary vocab, JsonNode config, JsonNode postProcessor) {
        List<String> single = new ArrayList<>();
        templateTokens(postProcessor, single);
        boolean templateBos = !single.isEmpty() && vocab.bos >= 0 && single.getFirst().equals(vocab.text(vocab.bos));
        boolean templateEos = !single.isEmpty() && vocab.eos >= 0 && single.getLast().equals(vocab.text(vocab.eos));
        vocab.addBos = config.path("add_bos_token").isBoolean() ? config.path("add_bos_token").asBoolean() : templateBos;
        vocab.addEos = config.path("add_eos_token").isBoolean() ? config.path("add_eos_token").asBoolean() : templateEos;
    }

    /** The single-sequence template of a TemplateProcessing post-processor: special token texts, "A" for the text. */
    private static void templateTokens(JsonNode processor, List<String> out) {
        switch (processor.path("type").asText("")) {
            case "TemplateProcessing" -> {
                for (JsonNode piece : processor.path("single")) {
                    if (piece.has("SpecialToken")) {
                        out.add(piece.path("SpecialToken").path("id").asText());
                    } else {
                        out.add("A");
                    }
                }
            }
            case "Sequence" -> {
                for (JsonNode p : processor.path("processors")) {
                    templateTokens(p, out);
                }
            }
            default -> {
            }
        }
    }

    private static String chatTemplate(JsonNode config) {
        JsonNode t = config.path("chat_template");
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
            return t.isEmpty() ? null : t.get(0).path("template").asText(null);
        }
        return null;
    }

    private void readNormalizer(JsonNode node, List<TextNormalizer> out) {
        if (node.isNull() || node.isMissingNode()) {
            return;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                for (JsonNode n : node.path("normalizers")) {
                    readNormalizer(n, out);
                }
            }
            case "Prepend" -> {
                String prefix = node.path("prepend").asText();
                out.add(text -> text.isEmpty() ? text : prefix + text);
            }
            case "Replace" -> {
                Pattern pattern = pattern(node.path("pattern"), "Replace normalizer");
                String content = node.path("content").asText();
                out.add(text -> pattern.matcher(text).replaceAll(java.util.regex.Matcher.quoteReplacement(content)));
            }
            case "NFC" -> out.add(text -> Normalizer.normalize(text, Normalizer.Form.NFC));
            case "NFD" -> out.add(text -> Normalizer.normalize(text, Normalizer.Form.NFD));
            case "NFKC" -> out.add(text -> Normalizer.normalize(text, Normalizer.Form.NFKC));
            case "NFKD" -> out.add(text -> Normalizer.normalize(text, Normalizer.Form.NFKD));
            case "Lowercase" -> out.add(text -> text.toLowerCase(Locale.ROOT));
            default -> throw new ModelFormatException(file + ": normalizer '" + type + "' is not supported "
                    + "(supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase)");
        }
    }

    /** Adds the pre-tokenizer's steps; returns whether it contains a ByteLevel step. */
    private boolean readPreTokenizer(JsonNode node, List<PreTokenizer.Step> out) {
        if (node.isNull() || node.isMissingNode()) {
            return false;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence" -> {
                boolean byteLevel = false;
                for (JsonNode n : node.path("pretokenizers")) {
                    byteLevel |= readPreTokenizer(n, out);
                }
                return byteLevel;
            }
            case "Split" -> {
                out.add(new PreTokenizer.RegexSplit(pattern(node.path("pattern"), "Split pre-tokenizer"),
                        behavior(node.path("behavior").asText("Isolated")), node.path("invert").asBoolean(false), false));
                return false;
            }
            case "ByteLevel" -> {
                if (node.path("add_prefix_space").asBoolean(false)) {
                    out.add(new PreTokenizer.PrefixSpace());
                }
                if (node.path("use_regex").asBoolean(true)) {
                    out.add(new PreTokenizer.RegexSplit(Pattern.compile(BpePreType.GPT2, Pattern.UNICODE_CHARACTER_CLASS),
                            PreTokenizer.Behavior.ISOLATED, false, false));
                }
                return true;
            }
            case "Metaspace" -> {
                String replacement = node.path("replacement").asText("\u2581");
                PreTokenizer.PrependScheme scheme;
                if (node.has("prepend_scheme")) {
                    scheme = PreTokenizer.PrependScheme.valueOf(node.path("prepend_scheme").asText("always").toUpperCase(Locale.ROOT));
                } else {
                    scheme = node.path("add_prefix_space").asBoolean(true) ? PreTokenizer.PrependScheme.ALWAYS
                            : PreTokenizer.PrependScheme.NEVER;
                }
                out.add(new PreTokenizer.Metaspace(replacement.charAt(0), scheme, node.path("split").asBoolean(true)));
                return false;
            }
            case "Digits" -> {
                String regex = node.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+";
                out.add(new PreTokenizer.RegexSplit(Pattern.compile(regex), PreTokenizer.Behavior.ISOLATED, false, false));
                return false;
            }
            default -> throw new ModelFormatException(file + ": pre-tokenizer '" + type + "' is not supported "
                    + "(supported: Sequence, Split, ByteLevel, Metaspace, Digits)");
        }
    }

    private PreTokenizer.Behavior behavior(String name) {
        return switch (name) {
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default -> throw new ModelFormatException(file + ": split behavior '" + name + "' is not supported");
        };
    }

    /**
     * A {"String": ...} or {"Regex": ...} pattern. Regexes are Oniguruma syntax in Hugging Face; the
     * constructs tokenizers use (Unicode classes, lookahead, possessive quantifiers, (?i:)) mean the
     * same in Java with Unicode character classes.
     */
    private Pattern pattern(JsonNode node, String where) {
        if (node.has("String")) {
            return Pattern.compile(Pattern.quote(node.path("String").asText()));
        }
        if (node.has("Regex")) {
            try {
                return Pattern.compile(node.path("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw new ModelFormatException(file + ": the " + where + " regex cannot be used: " + e.getDescription(), e);
            }
        }
        throw new ModelFormatException(file + ": the " + where + " has no String or Regex pattern");
    }

    private JsonNode readJson(Path path, boolean required) {
        try {
            return JSON.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            if (required) {
                throw new ModelFormatException(path + ": no such file (a Hugging Face model directory needs tokenizer.json)");
            }
            return JSON.missingNode();
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
