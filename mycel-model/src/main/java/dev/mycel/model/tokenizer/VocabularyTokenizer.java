package dev.mycel.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What every tokenizer kind shares: the special-token pass, BOS/EOS, and decoding. A subclass
 * supplies how a stretch of plain text becomes tokens and how a normal token becomes bytes.
 */
abstract sealed class VocabularyTokenizer implements Tokenizer
        permits SentencePieceTokenizer, BpeTokenizer, WordPieceTokenizer {
    protected final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final Kind kind;
    private final String type;
    private final String chatTemplate;

    VocabularyTokenizer(Vocabulary vocab, Kind kind, String type, String chatTemplate) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.kind = kind;
        this.type = type;
        this.chatTemplate = chatTemplate;
    }

    /**
     * Appends the tokens of one stretch of plain text (special tokens already removed).
     *
     * @param firstFragment whether the stretch starts the input rather than following a special token
     */
    abstract void encodeText(String text, boolean firstFragment, IntList out);

    /** The output bytes of a NORMAL token. */
    abstract byte[] normalTokenBytes(int id);

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String clean = Utf8.sanitize(text);
        IntList out = new IntList(Math.max(16, clean.length() / 3));
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        if (!clean.isEmpty()) {
            boolean first = true;
            for (SpecialTokenSplitter.Fragment fragment : splitter.split(clean, parseSpecial)) {
                switch (fragment) {
                    case SpecialTokenSplitter.Text(String t) -> encodeText(t, first, out);
                    case SpecialTokenSplitter.Special(int id) -> out.add(id);
                }
                first = false;
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.eos);
        }
        if (addSpecial && vocab.addSep) {
            out.add(vocab.sep);
        }
        return out.toArray();
    }

    @Override
    public byte[] tokenBytes(int id, boolean renderSpecial) {
        checkId(id);
        int attrs = vocab.attrs(id);
        if ((attrs & (TokenAttributes.CONTROL | TokenAttributes.UNKNOWN)) != 0) {
            return renderSpecial ? Utf8.bytes(vocab.text(id)) : new byte[0];
        }
        if ((attrs & TokenAttributes.USER_DEFINED) != 0) {
            return Utf8.bytes(vocab.text(id));
        }
        if ((attrs & TokenAttributes.NORMAL) != 0) {
            return normalTokenBytes(id);
        }
        if ((attrs & TokenAttributes.BYTE) != 0) {
            int b = byteTokenValue(vocab.text(id));
            return b >= 0 ? new byte[] {(byte) b} : Utf8.bytes(vocab.text(id));
        }
        return new byte[0]; // unused and undefined tokens print nothing, as in llama.cpp
    }

    /** The byte a {@code <0xXX>} token stands for, or -1 if the text is not of that form. */
    static int byteTokenValue(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static final String[] BYTE_TOKEN_TEXTS = new String[256];

    static {
        for (int b = 0; b < 256; b++) {
            BYTE_TOKEN_TEXTS[b] = String.format("<0x%02X>", b);
        }
    }

    /** The text of the byte-fallback token for a byte, as SentencePiece spells it ({@code <0x0A>}). */
    static String byteTokenText(int b) {
        return BYTE_TOKEN_TEXTS[b & 0xff];
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            bytes.writeBytes(tokenBytes(id));
        }
        return Utf8.string(bytes.toByteArray(), bytes.size());
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab.size() - 1) + ")");
        }
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return vocab.text(id);
    }

    @Override
    public OptionalInt tokenId(String text) {
        int id = vocab.id(text);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int bos() {
        return vocab.bos;
    }

    @Override
    public int eos() {
        return vocab.eos;
    }

    @Override
    public boolean addBos() {
        return vocab.addBos;
    }

    @Override
    public boolean addEos() {
        return vocab.addEos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return vocab.isEndOfGeneration(id);
    }

    @Override
    public boolean isControl(int id) {
        checkId(id);
        return vocab.is(id, TokenAttributes.CONTROL | TokenAttributes.UNKNOWN);
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + type + ", " + vocab.size() + " tokens, from " + vocab.source() + "]";
    }
}
