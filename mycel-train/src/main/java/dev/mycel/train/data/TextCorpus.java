package dev.mycel.train.data;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A text for character-level language modelling: its {@link CharTokenizer} (every character it
 * holds), its token ids, and the split nanoGPT uses: the first 90% of the ids for training, the
 * last 10% for validation.
 */
public final class TextCorpus {
    /** The largest text file accepted, 1 GiB. */
    public static final long MAX_BYTES = 1L << 30;

    private static final String SHAKESPEARE = "tinyshakespeare/input.txt";

    private final String name;
    private final CharTokenizer tokenizer;
    private final TokenSequence tokens;

    private TextCorpus(String name, CharTokenizer tokenizer, TokenSequence tokens) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.tokens = tokens;
    }

    /**
     * Tiny Shakespeare, bundled in this jar (1,115,394 characters, 65 distinct; see
     * {@code tinyshakespeare/README.md} beside this class).
     */
    public static TextCorpus bundledShakespeare() {
        return fromUtf8(DataFiles.resource(SHAKESPEARE, MAX_BYTES), SHAKESPEARE);
    }

    /** The name {@link #bundledShakespeare()} gives its corpus. */
    public static String bundledShakespeareName() {
        return SHAKESPEARE;
    }

    /** Reads a UTF-8 text file of at most 1 GiB; invalid UTF-8 and empty files are refused. */
    public static TextCorpus load(Path file) {
        return fromUtf8(DataFiles.read(file, MAX_BYTES), file.toString());
    }

    /**
     * Decodes {@code bytes} as strict UTF-8 (a malformed or unmappable sequence is an error,
     * never a replacement character, which would change the text silently). A byte order mark
     * is kept as the character U+FEFF, as Python's {@code open()} would keep it.
     */
    public static TextCorpus fromUtf8(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw new DatasetFormatException(name + ": empty file, no text to learn from");
        }
        return fromText(name, decodeUtf8(bytes, name));
    }

    /** The corpus of {@code text}, named {@code name} in messages. */
    public static TextCorpus fromText(String name, String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(name + ": the text is empty");
        }
        CharTokenizer tokenizer;
        try {
            tokenizer = CharTokenizer.fromText(text);
        } catch (IllegalArgumentException e) {
            throw new DatasetFormatException(name + ": " + e.getMessage(), e);
        }
        return new TextCorpus(name, tokenizer, TokenSequence.adopt(tokenizer.encode(text)));
    }

    /** The name given, or the file it was read from. */
    public String name() {
        return name;
    }

    /** The tokenizer of the corpus's characters. */
    public CharTokenizer tokenizer() {
        return tokenizer;
    }

    /** Every token of the corpus. */
    public TokenSequence tokens() {
        return tokens;
    }

    /**
     * The number of training tokens: {@code floor(9n / 10)}, in integers, which equals nanoGPT's
     * {@code int(n * 0.9)} (0.9 as a double is slightly above 0.9, so the product never drops
     * below a whole result).
     */
    public int trainLength() {
        return (int) (tokens.length() * 9L / 10);
    }

    /** The first 90% of the tokens. */
    public TokenSequence train() {
        return tokens.slice(0, trainLength());
    }

    /** The last 10% of the tokens. */
    public TokenSequence validation() {
        return tokens.slice(trainLength(), tokens.length());
    }

    private static String decodeUtf8(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never has more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            // The decoder stops at the start of the bad sequence: name its offset and bytes.
            int at = in.position();
            StringBuilder seq = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + result.length()); i++) {
                seq.append(String.format(" %02X", bytes[i] & 0xFF));
            }
            throw new DatasetFormatException(name + ": invalid UTF-8 at byte " + at + " (" + seq.toString().trim() + ")");
        }
        if (!result.isUnderflow()) {
            throw new IllegalStateException("UTF-8 decoding of " + name + " ended with " + result);
        }
        return out.flip().toString();
    }

    @Override
    public String toString() {
        return "TextCorpus[" + name + ", " + tokens.length() + " tokens, " + tokenizer.vocabularySize() + " characters]";
    }
}
