package dev.mycel.net.identity;

/** RFC 4648 base32, lower case, without padding: the alphabet of peer ids. */
final class Base32 {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private Base32() {
    }

    static String encode(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    static byte[] decode(String text) {
        int outLength = text.length() * 5 / 8;
        byte[] out = new byte[outLength];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int v;
            if (c >= 'a' && c <= 'z') {
                v = c - 'a';
            } else if (c >= '2' && c <= '7') {
                v = c - '2' + 26;
            } else {
                throw new IllegalArgumentException("character '" + c + "' is not base32");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                if (n < outLength) {
                    out[n++] = (byte) (buffer >>> (bits - 8));
                }
                bits -= 8;
            }
        }
        // Canonical form only: the unused low bits of the last character must be zero.
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("trailing bits are not zero");
        }
        return out;
    }
}
