package dev.mycel.train.export;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufValue;
import dev.mycel.model.gguf.GgufValueType;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.train.data.CharTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A character-level vocabulary ({@link CharTokenizer}) written as a SentencePiece vocabulary
 * ({@code tokenizer.ggml.model = "llama"}), so that llama.cpp and Mycel's engine turn text into
 * exactly the ids the model was trained on: one token per character.
 *
 * <h2>The ids</h2>
 *
 * <pre>
 *   0 .. V-1   the characters, as CharTokenizer numbers them (code point order)   NORMAL
 *   V          &lt;unk&gt;                                                          UNKNOWN
 *   V+1        &lt;s&gt;    (BOS; never added: add_bos_token = false)                 CONTROL
 *   V+2        &lt;/s&gt;   (EOS; ends generation in llama.cpp and Mycel)             CONTROL
 *   V+3 .. V+258   &lt;0x00&gt; .. &lt;0xFF&gt;, only {@link #withByteFallback with byte fallback}      BYTE
 * </pre>
 *
 * <p>A character keeps its {@code CharTokenizer} id, so the training data needs no change; but the
 * model's embedding and output projection must have {@link #modelVocabularySize V + 3} rows. The
 * three extra rows are never an input and never a target: training only pushes their logits
 * down. The special tokens are needed because a SentencePiece reader falls back to ids 0, 1 and 2
 * for unknown, BOS and EOS when a file names none (llama.cpp does), which in a character
 * vocabulary are characters: '!' would end every generation.
 *
 * <h2>Why one token per character</h2>
 *
 * <p>llama.cpp's SentencePiece tokenizer ({@code llm_tokenizer_spm} in {@code src/llama-vocab.cpp})
 * writes each space as U+2581 '▁', puts a '▁' in front only when {@code add_space_prefix} is true
 * (it is written false here), splits the text into UTF-8 characters, and then merges adjacent
 * symbols only while their concatenation is itself a token. Every token here is one character
 * (the special tokens are recognised in text only when special parsing is asked for), so nothing
 * ever merges and each character is looked up as a token of its own, '\n' included; only a
 * character missing from the vocabulary falls back to {@code <0xXX>} byte tokens, which this
 * vocabulary does not have unless made {@link #withByteFallback with byte fallback}: without them
 * llama.cpp ends the process on such a character ({@code std::out_of_range} from
 * {@code byte_to_token}) and Mycel gives {@code <unk>}. Decoding a NORMAL token gives its text
 * with '▁' turned back into a space. Mycel's {@code SentencePieceTokenizer} does the same.
 *
 * <h2>Characters that cannot be exported</h2>
 *
 * <ul>
 *   <li>U+2581 '▁' itself: it is how the vocabulary writes a space, so it could not be told apart
 *       from ' ' (and llama.cpp refuses a vocabulary with the same text twice);
 *   <li>U+0000: llama.cpp reads vocabulary strings as C strings, so the token would be empty.
 * </ul>
 */
public final class CharVocabulary {
    /** The text of the unknown token. */
    public static final String UNKNOWN = "<unk>";
    /** The text of the beginning-of-sequence token. */
    public static final String BOS = "<s>";
    /** The text of the end-of-sequence token. */
    public static final String EOS = "</s>";
    /** How many special tokens follow the characters. */
    public static final int SPECIAL_TOKENS = 3;
    /** SentencePiece's mark for a space. */
    public static final char SPACE_MARK = '\u2581';

    /** GGUF token types ({@code llama_token_type}). */
    static final int TYPE_NORMAL = 1;
    static final int TYPE_UNKNOWN = 2;
    static final int TYPE_CONTROL = 3;
    static final int TYPE_BYTE = 6;
    /** How many byte tokens a vocabulary with byte fallback has after the special tokens. */
    public static final int BYTE_TOKENS = 256;

    private final CharTokenizer chars;
    private final boolean byteFallback;
    private final String[] tokens;

    private CharVocabulary(CharTokenizer chars, boolean byteFallback) {
        this.chars = chars;
        this.byteFallback = byteFallback;
        int v = chars.vocabularySize();
        tokens = new String[v + SPECIAL_TOKENS + (byteFallback ? BYTE_TOKENS : 0)];
        for (int id = 0; id < v; id++) {
            int cp = chars.codePoint(id);
            if (cp == SPACE_MARK) {
                throw new IllegalArgumentException("the character vocabulary has U+2581 '▁' (id " + id + "), which a "
                        + "SentencePiece vocabulary uses to write a space: it could not be told apart from ' '; replace "
                        + "it in the training text");
            }
            if (cp == 0) {
                throw new IllegalArgumentException("the character vocabulary has U+0000 (id " + id + "), which "
                        + "llama.cpp cannot hold as a token (it reads token texts as C strings); remove it from the "
                        + "training text");
            }
            tokens[id] = cp == ' ' ? String.valueOf(SPACE_MARK) : Character.toString(cp);
        }
        tokens[v] = UNKNOWN;
        tokens[v + 1] = BOS;
        tokens[v + 2] = EOS;
        if (byteFallback) {
            for (int b = 0; b < BYTE_TOKENS; b++) {
                tokens[v + SPECIAL_TOKENS + b] = String.format("<0x%02X>", b);
            }
        }
    }

    /**
     * The SentencePiece form of a character vocabulary: the characters and the 3 special tokens.
     *
     * @throws IllegalArgumentException if it has a character that cannot be exported (see above)
     */
    public static CharVocabulary of(CharTokenizer chars) {
        return new CharVocabulary(chars, false);
    }

    /**
     * Like {@link #of}, followed by SentencePiece's 256 byte-fallback tokens {@code <0x00>} ..
     * {@code <0xFF>}, so that text with a character outside the vocabulary still tokenizes (as
     * that character's UTF-8 bytes) in llama.cpp, where it would otherwise end the process. The
     * model never saw those tokens in training, so what it makes of them is arbitrary; the ids of
     * the characters and special tokens are those of {@link #of}.
     */
    public static CharVocabulary withByteFallback(CharTokenizer chars) {
        return new CharVocabulary(chars, true);
    }

    /** The vocabulary size a character model must be trained with: the characters and the 3 special tokens. */
    public static int modelVocabularySize(CharTokenizer chars) {
        return chars.vocabularySize() + SPECIAL_TOKENS;
    }

    /** Whether the vocabulary ends with the 256 byte tokens. */
    public boolean byteFallback() {
        return byteFallback;
    }

    /** The character tokenizer this was made from. */
    public CharTokenizer characters() {
        return chars;
    }

    /**
     * The number of tokens, which is the vocabulary size the model must be trained with: V + 3,
     * or V + 3 + 256 with byte fallback.
     */
    public int size() {
        return tokens.length;
    }

    /** The id of {@code <unk>}: V. */
    public int unknownId() {
        return chars.vocabularySize();
    }

    /** The id of {@code <s>}: V + 1. */
    public int bosId() {
        return chars.vocabularySize() + 1;
    }

    /** The id of {@code </s>}: V + 2. */
    public int eosId() {
        return chars.vocabularySize() + 2;
    }

    /** The token texts in id order, as {@code tokenizer.ggml.tokens} holds them (a space is '▁'). */
    public List<String> tokens() {
        return List.of(tokens);
    }

    /** The GGUF token type of each token: NORMAL (1) for characters, UNKNOWN (2), CONTROL (3), BYTE (6). */
    public long[] tokenTypes() {
        long[] types = new long[tokens.length];
        Arrays.fill(types, TYPE_NORMAL);
        Arrays.fill(types, eosId() + 1, tokens.length, TYPE_BYTE);
        types[unknownId()] = TYPE_UNKNOWN;
        types[bosId()] = TYPE_CONTROL;
        types[eosId()] = TYPE_CONTROL;
        return types;
    }

    /**
     * The SentencePiece scores: all 0. Scores only rank merges, and single characters never merge.
     */
    public float[] scores() {
        return new float[tokens.length];
    }

    /** Writes the {@code tokenizer.ggml.*} metadata. */
    public void writeTo(GgufWriter w) {
        w.putString("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        w.put("tokenizer.ggml.scores", GgufValue.floats(scores()));
        // llama.cpp reads the token types as a raw int32 array.
        w.put("tokenizer.ggml.token_type", GgufValue.ints(GgufValueType.INT32, tokenTypes()));
        w.putUint32("tokenizer.ggml.unknown_token_id", unknownId());
        w.putUint32("tokenizer.ggml.bos_token_id", bosId());
        w.putUint32("tokenizer.ggml.eos_token_id", eosId());
        w.putBool("tokenizer.ggml.add_bos_token", false);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        w.putBool("tokenizer.ggml.add_space_prefix", false);
    }

    /**
     * The character tokenizer of a file this class wrote: the NORMAL tokens before the special
     * ones, '▁' read as a space, with or without byte tokens after them. Fails with a message
     * naming the file if its vocabulary is not laid out that way.
     */
    public static CharTokenizer readTokenizer(GgufFile gguf) {
        String file = gguf.name();
        if (!gguf.string("tokenizer.ggml.model").orElse("").equals("llama")) {
            throw new ModelFormatException(file + ": not a SentencePiece ('llama') vocabulary");
        }
        String[] tokens = gguf.strings("tokenizer.ggml.tokens").orElseThrow(() -> new ModelFormatException(
                file + ": metadata 'tokenizer.ggml.tokens' is missing"));
        int bytes = tokens.length >= BYTE_TOKENS + SPECIAL_TOKENS + 1
                && tokens[tokens.length - BYTE_TOKENS].equals("<0x00>") ? BYTE_TOKENS : 0;
        int v = tokens.length - SPECIAL_TOKENS - bytes;
        Optional<long[]> types = gguf.longs("tokenizer.ggml.token_type");
        if (v < 1 || !tokens[v].equals(UNKNOWN) || !tokens[v + 1].equals(BOS) || !tokens[v + 2].equals(EOS)
                || types.isEmpty() || types.get().length != tokens.length) {
            throw new ModelFormatException(file + ": the vocabulary is not a character vocabulary (characters, then "
                    + UNKNOWN + ", " + BOS + ", " + EOS + ")");
        }
        List<String> characters = new ArrayList<>(v);
        for (int id = 0; id < v; id++) {
            if (types.get()[id] != TYPE_NORMAL) {
                throw new ModelFormatException(file + ": token " + id + " is of type " + types.get()[id]
                        + ", not a character (NORMAL)");
            }
            characters.add(tokens[id].equals(String.valueOf(SPACE_MARK)) ? " " : tokens[id]);
        }
        try {
            return CharTokenizer.fromVocabulary(characters);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "CharVocabulary[" + chars.vocabularySize() + " characters + " + SPECIAL_TOKENS + " special tokens"
                + (byteFallback ? " + " + BYTE_TOKENS + " byte tokens]" : "]");
    }
}
