package dev.mycel.model.tokenizer;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Builds a tokenizer from the {@code tokenizer.ggml.*} metadata of a GGUF file, with llama.cpp's
 * defaults for whatever the file leaves out.
 */
final class GgufTokenizerLoader {
    private static final String PREFIX = "tokenizer.ggml.";
    static final String SUPPORTED_MODELS = "llama (SentencePiece), gpt2 (byte-level BPE), bert (WordPiece)";

    private final GgufFile gguf;
    private final String file;

    private GgufTokenizerLoader(GgufFile gguf) {
        this.gguf = gguf;
        this.file = gguf.name();
    }

    static Tokenizer load(GgufFile gguf) {
        return new GgufTokenizerLoader(gguf).load();
    }

    private Tokenizer load() {
        String model = gguf.string(PREFIX + "model").orElseThrow(() -> new ModelFormatException(
                file + ": has no tokenizer (metadata 'tokenizer.ggml.model' is missing)"));
        if (!model.equals("llama") && !model.equals("gpt2") && !model.equals("bert")) {
            throw new ModelFormatException(file + ": tokenizer type '" + model + "' (tokenizer.ggml.model) is not supported; "
                    + "Mycel supports " + SUPPORTED_MODELS);
        }
        String pre = gguf.string(PREFIX + "pre").orElse("");
        BpePreType preType = null;
        if (model.equals("gpt2")) {
            preType = BpePreType.forName(pre).orElseThrow(() -> new ModelFormatException(file + ": pre-tokenizer '" + pre
                    + "' (tokenizer.ggml.pre) is not supported; supported: " + BpePreType.supportedNames()));
        }

        String[] tokens = gguf.strings(PREFIX + "tokens").orElseThrow(() -> new ModelFormatException(
                file + ": tokenizer has no vocabulary (metadata 'tokenizer.ggml.tokens' is missing)"));
        int n = tokens.length;
        if (n == 0) {
            throw new ModelFormatException(file + ": tokenizer vocabulary 'tokenizer.ggml.tokens' is empty");
        }
        float[] scores = scores(n);
        int[] attrs = attributes(n);
        Vocabulary vocab = new Vocabulary(file, tokens.clone(), scores, attrs);

        // llama.cpp's defaults per tokenizer type; metadata overrides them below.
        switch (model) {
            case "llama" -> {
                defaultSpecial(vocab, 1, 2, 0, -1, -1, -1);
                vocab.addBos = true;
            }
            case "bert" -> {
                defaultSpecial(vocab, 101, -1, 100, 102, 0, 103);
                vocab.addBos = true;
                vocab.addSep = true;
            }
            default -> {
                // GPT-2's BOS/EOS defaults come from Falcon, where id 11 is <|endoftext|>; ChatGLM 4 has no BOS.
                defaultSpecial(vocab, preType.noBos() ? -1 : 11, 11, -1, -1, -1, -1);
                vocab.addBos = preType.addBos();
            }
        }
        vocab.bos = special("bos_token_id", vocab, vocab.bos);
        vocab.eos = special("eos_token_id", vocab, vocab.eos);
        vocab.eot = special("eot_token_id", vocab, vocab.eot);
        vocab.eom = special("eom_token_id", vocab, vocab.eom);
        vocab.unk = special("unknown_token_id", vocab, vocab.unk);
        vocab.sep = special("seperator_token_id", vocab, vocab.sep); // sic: the GGUF key is misspelled
        vocab.pad = special("padding_token_id", vocab, vocab.pad);
        vocab.mask = special("mask_token_id", vocab, vocab.mask);
        vocab.fimPre = special("fim_pre_token_id", vocab, special("prefix_token_id", vocab, -1));
        vocab.fimSuf = special("fim_suf_token_id", vocab, special("suffix_token_id", vocab, -1));
        vocab.fimMid = special("fim_mid_token_id", vocab, special("middle_token_id", vocab, -1));
        vocab.fimPad = special("fim_pad_token_id", vocab, -1);
        vocab.fimRep = special("fim_rep_token_id", vocab, -1);
        vocab.fimSep = special("fim_sep_token_id", vocab, -1);
        vocab.addBos = gguf.bool(PREFIX + "add_bos_token").orElse(vocab.addBos);
        vocab.addEos = gguf.bool(PREFIX + "add_eos_token").orElse(vocab.addEos);
        vocab.addSep = gguf.bool(PREFIX + "add_sep_token").orElse(vocab.addSep);
        requireSpecial(vocab.addBos, vocab.bos, "add_bos_token", "bos_token_id");
        requireSpecial(vocab.addEos, vocab.eos, "add_eos_token", "eos_token_id");
        requireSpecial(vocab.addSep, vocab.sep, "add_sep_token", "seperator_token_id");
        vocab.finishSpecialTokens(gguf.string("general.name").orElse(""));

        String template = gguf.string("tokenizer.chat_template").orElse(null);
        String type = model + "/" + (pre.isEmpty() ? "default" : pre);
        return switch (model) {
            case "llama" -> new SentencePieceTokenizer(vocab, gguf.bool(PREFIX + "add_space_prefix").orElse(true), type, template);
            case "bert" -> {
                boolean lowercase = gguf.bool(PREFIX + "normalizer.lowercase").orElse(true);
                boolean stripAccents = gguf.bool(PREFIX + "normalizer.strip_accents").orElse(lowercase);
                yield new WordPieceTokenizer(vocab, lowercase, stripAccents, type, template);
            }
            default -> {
                String[] mergeLines = gguf.strings(PREFIX + "merges").orElseThrow(() -> new ModelFormatException(
                        file + ": byte-level BPE tokenizer has no merges (metadata 'tokenizer.ggml.merges' is missing)"));
                BpeMerges merges = BpeMerges.fromLines(vocab, mergeLines);
                var options = new BpeTokenizer.Options(TextNormalizer.IDENTITY, preType.preTokenizer(), true, false,
                        preType.ignoreMerges(), false, (char) 0);
                yield new BpeTokenizer(vocab, merges, options, type, template);
            }
        };
    }

    /** Scores may be float32 or int32 (llama.cpp accepts both); missing means all zero. */
    private float[] scores(int n) {
        GgufValue value = gguf.metadata().get(PREFIX + "scores");
        if (value == null) {
            return new float[n];
        }
        float[] scores = switch (value.value()) {
            case float[] f -> f;
            case long[] l -> {
                float[] f = new float[l.length];
                for (int i = 0; i < l.length; i++) {
                    f[i] = l[i];
                }
                yield f;
            }
            default -> throw new ModelFormatException(file + ": metadata 'tokenizer.ggml.scores' should be an array of "
                    + "numbers but is " + value.describe());
        };
        checkLength("scores", scores.length, n);
        return scores;
    }

    /** Token types; missing means every token is NORMAL. */
    private int[] attributes(int n) {
        int[] attrs = new int[n];
        Optional<long[]> types = gguf.longs(PREFIX + "token_type");
        if (types.isEmpty()) {
            Arrays.fill(attrs, TokenAttributes.NORMAL);
            return attrs;
        }
        checkLength("token_type", types.get().length, n);
        for (int i = 0; i < n; i++) {
            attrs[i] = TokenAttributes.fromGgufType(types.get()[i]);
        }
        return attrs;
    }

    private void checkLength(String key, int length, int tokens) {
        if (length != tokens) {
            throw new ModelFormatException(file + ": 'tokenizer.ggml." + key + "' has " + length
                    + " entries but 'tokenizer.ggml.tokens' has " + tokens + "; the tokenizer is inconsistent");
        }
    }

    private static void defaultSpecial(Vocabulary vocab, int bos, int eos, int unk, int sep, int pad, int mask) {
        vocab.bos = vocab.inRange(bos) ? bos : -1;
        vocab.eos = vocab.inRange(eos) ? eos : -1;
        vocab.unk = vocab.inRange(unk) ? unk : -1;
        vocab.sep = vocab.inRange(sep) ? sep : -1;
        vocab.pad = vocab.inRange(pad) ? pad : -1;
        vocab.mask = vocab.inRange(mask) ? mask : -1;
    }

    /**
     * A special token id from the metadata. An id outside the vocabulary (llama2.c conversions write
     * 0xFFFFFFFF for "none") is ignored and the default kept, as llama.cpp does.
     */
    private int special(String key, Vocabulary vocab, int fallback) {
        Optional<Long> id = gguf.integer(PREFIX + key);
        return id.isPresent() && vocab.inRange(id.get()) ? (int) (long) id.get() : fallback;
    }

    private void requireSpecial(boolean add, int id, String addKey, String idKey) {
        if (add && id < 0) {
            throw new ModelFormatException(file + ": 'tokenizer.ggml." + addKey + "' is true but 'tokenizer.ggml." + idKey
                    + "' is not set");
        }
    }
}
