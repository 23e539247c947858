package dev.mycel.model.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers shared by the tokenizers. */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /**
     * The text with every unpaired surrogate replaced by U+FFFD. Tokenizers work on the UTF-8 bytes of
     * the text, and Java would otherwise encode a lone surrogate as '?', silently changing the input;
     * llama.cpp turns invalid UTF-8 into U+FFFD, which this matches.
     */
    static String sanitize(String text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                return replaceLoneSurrogates(text);
            }
            i++;
        }
        return text;
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? REPLACEMENT : c);
            }
        }
        return sb.toString();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes UTF-8; malformed sequences (such as a multi-byte character cut short) become U+FFFD. */
    static String string(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** The number of bytes of the UTF-8 form of the text. */
    static int length(String text) {
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
