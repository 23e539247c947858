package dev.mycel.model.tokenizer;

import java.util.Arrays;

/**
 * Turns generated tokens into text as they arrive. A token may end in the middle of a UTF-8
 * character (byte-level BPE and byte-fallback tokens do), so the bytes of an unfinished character
 * are held back until the token that completes it. The concatenated output equals
 * {@link Tokenizer#decode} of all the tokens. Not thread-safe: one instance per generation.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int size;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text completed by this token; empty while a character is still unfinished. */
    public String next(int tokenId) {
        byte[] bytes = tokenizer.tokenBytes(tokenId);
        if (size + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, size, bytes.length);
        size += bytes.length;
        int complete = size - unfinishedTail(pending, size);
        String text = Utf8.string(pending, complete);
        System.arraycopy(pending, complete, pending, 0, size - complete);
        size -= complete;
        return text;
    }

    /** Whatever is still held back (an unfinished character, shown as U+FFFD), and a reset. */
    public String flush() {
        String text = Utf8.string(pending, size);
        size = 0;
        return text;
    }

    /**
     * How many bytes at the end start a multi-byte character whose remaining bytes have not come yet
     * (0 if the bytes end on a character boundary or with an invalid sequence, which is decoded now).
     */
    static int unfinishedTail(byte[] bytes, int length) {
        for (int back = 1; back <= Math.min(3, length); back++) {
            int b = bytes[length - back] & 0xff;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for the lead byte
            }
            int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 1;
            return needed > back ? back : 0;
        }
        return 0;
    }
}
