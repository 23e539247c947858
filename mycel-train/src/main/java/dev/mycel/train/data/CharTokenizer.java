package dev.mycel.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A character-level tokenizer: one token per distinct character of a text, ids 0..V-1 in the
 * characters' sorted order, as nanoGPT's and char-rnn's character models build theirs.
 *
 * <p>A character is a Unicode code point, so a surrogate pair (an emoji, say) is one token, as
 * it is one character in Python's strings, and sorting by code point gives Python's
 * {@code sorted(set(text))}. A lone surrogate is not a character and is refused.
 */
public final class CharTokenizer {
    private final int[] codePoints;   // sorted, distinct: id -> code point
    private final int[] bmpIds;       // code point below 0x10000 -> id, or -1

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
        int bmpEnd = 0;
        for (int cp : codePoints) {
            if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
                bmpEnd = cp + 1;
            }
        }
        bmpIds = new int[bmpEnd];
        Arrays.fill(bmpIds, -1);
        for (int id = 0; id < codePoints.length && codePoints[id] < bmpEnd; id++) {
            bmpIds[codePoints[id]] = id;
        }
    }

    /** The tokenizer of every distinct character in {@code text}, which must not be empty. */
    public static CharTokenizer fromText(CharSequence text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("cannot build a tokenizer from an empty text");
        }
        boolean[] seenBmp = new boolean[Character.MIN_SUPPLEMENTARY_CODE_POINT];
        List<Integer> supplementary = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int cp = codePointAt(text, i);
            if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
                seenBmp[cp] = true;
            } else {
                supplementary.add(cp);
            }
            i += Character.charCount(cp);
        }
        int[] extra = supplementary.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        int count = 0;
        for (boolean s : seenBmp) {
            count += s ? 1 : 0;
        }
        int[] cps = new int[count + extra.length];
        int k = 0;
        for (int cp = 0; cp < seenBmp.length; cp++) {
            if (seenBmp[cp]) {
                cps[k++] = cp;
            }
        }
        System.arraycopy(extra, 0, cps, k, extra.length);
        return new CharTokenizer(cps);
    }

    /**
     * The tokenizer with this vocabulary, as {@link #vocabulary()} lists it (read back from an
     * exported model): each entry one character, strictly ascending.
     */
    public static CharTokenizer fromVocabulary(List<String> vocabulary) {
        if (vocabulary.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary is empty");
        }
        int[] cps = new int[vocabulary.size()];
        for (int id = 0; id < cps.length; id++) {
            String s = vocabulary.get(id);
            if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
                throw new IllegalArgumentException("vocabulary entry " + id + " is \"" + s
                        + "\", not a single character");
            }
            cps[id] = codePointAt(s, 0);
            if (id > 0 && cps[id] <= cps[id - 1]) {
                throw new IllegalArgumentException("vocabulary entry " + id + ", " + describe(cps[id])
                        + ", does not come after entry " + (id - 1) + ", " + describe(cps[id - 1])
                        + "; a character vocabulary is sorted and distinct");
            }
        }
        return new CharTokenizer(cps);
    }

    /** The number of tokens, V. */
    public int vocabularySize() {
        return codePoints.length;
    }

    /** Every token as its one-character string, in id order: what a model export writes. */
    public List<String> vocabulary() {
        List<String> out = new ArrayList<>(codePoints.length);
        for (int cp : codePoints) {
            out.add(Character.toString(cp));
        }
        return List.copyOf(out);
    }

    /** The code point of token {@code id}. */
    public int codePoint(int id) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (codePoints.length - 1));
        }
        return codePoints[id];
    }

    /** The token ids of {@code text}, one per character. */
    public int[] encode(CharSequence text) {
        int[] ids = new int[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = codePointAt(text, i);
            int id = idOf(cp);
            if (id < 0) {
                throw new IllegalArgumentException("character " + describe(cp) + " at index " + i
                        + " is not in the vocabulary of " + codePoints.length + " characters");
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    /** The text of token {@code ids}. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) {
            sb.appendCodePoint(codePoint(id));
        }
        return sb.toString();
    }

    private int idOf(int cp) {
        if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
            return cp < bmpIds.length ? bmpIds[cp] : -1;
        }
        int at = Arrays.binarySearch(codePoints, cp);
        return at >= 0 ? at : -1;
    }

    /** The code point at {@code i}, refusing a surrogate that is not half of a pair. */
    private static int codePointAt(CharSequence text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
            return Character.toCodePoint(c, text.charAt(i + 1));
        }
        if (Character.isSurrogate(c)) {
            throw new IllegalArgumentException(String.format(
                    "lone surrogate U+%04X at index %d is not a character", (int) c, i));
        }
        return c;
    }

    private static String describe(int cp) {
        String code = String.format("U+%04X", cp);
        // Control and space characters would be invisible or break the one-line message.
        return Character.isISOControl(cp) || Character.isWhitespace(cp) ? code : "'" + Character.toString(cp) + "' (" + code + ")";
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + codePoints.length + " characters]";
    }
}
