package dev.mycel.model.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible mapping between bytes and printable characters. Byte-level BPE vocabularies
 * store every token as a string of these characters (a space is 'Ġ', a newline 'Ċ'), so that the
 * merges never see raw control bytes or partial UTF-8 sequences.
 *
 * <p>The printable bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' map to themselves; the other 68 bytes map,
 * in increasing order, to U+0100, U+0101, ...
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE;

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
        CHAR_TO_BYTE = new int[next];
        Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for one byte. */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xff];
    }

    /** The byte a character stands for, or -1 if it is not one of the 256 byte characters. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The UTF-8 bytes of the text, each written as its byte character. */
    static String encode(String text) {
        byte[] bytes = Utf8.bytes(text);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
        }
        return new String(chars);
    }

    /**
     * The bytes a byte-level token stands for. A character outside the byte alphabet (possible only
     * in a malformed vocabulary) is kept as its own UTF-8 bytes rather than dropped.
     */
    static byte[] decode(String token) {
        byte[] out = new byte[token.length() * 3];
        int n = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = byteOf(c);
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                byte[] raw = Utf8.bytes(String.valueOf(c));
                System.arraycopy(raw, 0, out, n, raw.length);
                n += raw.length;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
