package dev.mycel.model.tokenizer;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The token table shared by all tokenizer kinds: each token's text, score and attributes, the
 * reverse map from text to id, and the special tokens (BOS, EOS, the end-of-generation set).
 *
 * <p>It is filled by a loader (GGUF or Hugging Face), after which {@link #finishSpecialTokens}
 * applies llama.cpp's rules for tokens that the metadata does not describe well enough: end-of-turn
 * and fill-in-the-middle tokens are recognised by their text, marked CONTROL, and added to the
 * end-of-generation set.
 */
final class Vocabulary {
    /** Texts that mark the end of a turn (llama.cpp's EOT detection), in order of preference. */
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    /** Texts of tokens that end generation whatever the metadata says (llama.cpp's EOG list). */
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");
    /** gpt-oss "harmony" markup that must always be parsed and printed, like added text. */
    private static final List<String> ALWAYS_RENDERED = List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    private final String source;
    private final String[] texts;
    private final float[] scores;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    private final int maxTokenChars;
    private final BitSet endOfGeneration = new BitSet();

    int bos = -1;
    int eos = -1;
    int eot = -1;
    int eom = -1;
    int unk = -1;
    int sep = -1;
    int pad = -1;
    int mask = -1;
    int fimPre = -1;
    int fimSuf = -1;
    int fimMid = -1;
    int fimPad = -1;
    int fimRep = -1;
    int fimSep = -1;
    boolean addBos;
    boolean addEos;
    boolean addSep;

    /**
     * @param source the file the vocabulary came from, for error messages
     * @param texts  token texts, indexed by id; an empty text is renamed {@code [EMPTY_<id>]} as llama.cpp
     *               does, so that it can never match the empty string
     * @param scores SentencePiece scores (may be all zero), same length
     * @param attrs  {@link TokenAttributes} bits, same length
     */
    Vocabulary(String source, String[] texts, float[] scores, int[] attrs) {
        this.source = source;
        this.texts = texts;
        this.scores = scores;
        this.attrs = attrs;
        this.ids = HashMap.newHashMap(texts.length);
        int longest = 0;
        for (int id = 0; id < texts.length; id++) {
            if (texts[id] == null || texts[id].isEmpty()) {
                texts[id] = "[EMPTY_" + id + "]";
            }
            // A text that appears twice keeps its first id: later copies can be decoded but never produced.
            ids.putIfAbsent(texts[id], id);
            longest = Math.max(longest, texts[id].length());
        }
        this.maxTokenChars = longest;
    }

    String source() {
        return source;
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    int attrs(int id) {
        return attrs[id];
    }

    boolean is(int id, int attrMask) {
        return (attrs[id] & attrMask) != 0;
    }

    void setAttrs(int id, int value) {
        attrs[id] = value;
    }

    /** The id of the token with exactly this text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    int maxTokenChars() {
        return maxTokenChars;
    }

    boolean isEndOfGeneration(int id) {
        return id >= 0 && endOfGeneration.get(id);
    }

    /** Adds a token to the end-of-generation set (for ids named outside the vocabulary, such as generation_config.json). */
    void addEndOfGeneration(int id) {
        endOfGeneration.set(id);
    }

    boolean inRange(long id) {
        return id >= 0 && id < texts.length;
    }

    /**
     * Completes the special-token information the way llama.cpp does after reading the ids from the
     * metadata: finds end-of-turn, end-of-message and fill-in-the-middle tokens by their text,
     * builds the end-of-generation set, and applies the per-model fixes llama.cpp applies.
     *
     * @param modelName {@code general.name}, or empty; phi-3 models get RSTRIP on their special tokens
     */
    void finishSpecialTokens(String modelName) {
        eot = detect(eot, EOT_TEXTS);
        eom = detect(eom, EOM_TEXTS);
        fimPre = detect(fimPre, FIM_PRE_TEXTS);
        fimSuf = detect(fimSuf, FIM_SUF_TEXTS);
        fimMid = detect(fimMid, FIM_MID_TEXTS);
        fimPad = detect(fimPad, FIM_PAD_TEXTS);
        fimRep = detect(fimRep, FIM_REP_TEXTS);
        fimSep = detect(fimSep, FIM_SEP_TEXTS);

        for (int id : new int[] {fimPad, fimRep, fimSep, eos, eot, eom}) {
            if (id >= 0) {
                endOfGeneration.set(id);
            }
        }
        for (String text : EOG_TEXTS) {
            int id = id(text);
            if (id >= 0) {
                endOfGeneration.set(id);
                markControl(id);
            }
        }
        for (String text : ALWAYS_RENDERED) {
            int id = id(text);
            if (id >= 0) {
                attrs[id] = TokenAttributes.USER_DEFINED;
            }
        }
        // gpt-oss and solar-open end a message with <|end|> but continue the turn, so it must not stop generation.
        boolean hasCall = endsGeneration("<|call|>") || endsGeneration("<|calls|>");
        if (endsGeneration("<|end|>") && hasCall && (endsGeneration("<|return|>") || endsGeneration("<|flush|>"))) {
            int end = id("<|end|>");
            endOfGeneration.clear(end);
            attrs[end] = TokenAttributes.USER_DEFINED;
        }
        // Gemma 4 uses </s> as ordinary text when it has tool-response markup.
        if (endsGeneration("<|tool_response>") && endsGeneration("</s>")) {
            int s = id("</s>");
            endOfGeneration.clear(s);
            attrs[s] = TokenAttributes.NORMAL;
        }

        String name = modelName.toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            // Phi-3's chat markup swallows the newline that follows it ("<|user|>\n" is one unit).
            for (int id = 0; id < attrs.length; id++) {
                if (is(id, TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN)) {
                    attrs[id] |= TokenAttributes.RSTRIP;
                }
            }
            setFlag("</s>", TokenAttributes.RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
                setFlag(t, TokenAttributes.RSTRIP, false);
            }
        }
    }

    private boolean endsGeneration(String text) {
        int id = id(text);
        return id >= 0 && endOfGeneration.get(id);
    }

    private int detect(int current, List<String> candidates) {
        if (current >= 0) {
            return current;
        }
        for (String text : candidates) {
            int id = id(text);
            if (id >= 0) {
                markControl(id);
                return id;
            }
        }
        return -1;
    }

    /** llama.cpp trusts the text over the token type for these: a converter that forgot CONTROL is a bug. */
    private void markControl(int id) {
        attrs[id] |= TokenAttributes.CONTROL;
    }

    private void setFlag(String text, int flag, boolean on) {
        int id = id(text);
        if (id >= 0) {
            attrs[id] = on ? attrs[id] | flag : attrs[id] & ~flag;
        }
    }
}
