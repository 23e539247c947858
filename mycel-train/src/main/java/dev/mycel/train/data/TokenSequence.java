package dev.mycel.train.data;

import java.util.Arrays;

/** An immutable run of token ids: a corpus, or one split of it. */
public final class TokenSequence {
    private final int[] ids;

    private TokenSequence(int[] ids) {
        this.ids = ids;
    }

    /** A sequence holding a copy of {@code ids}. */
    public static TokenSequence of(int[] ids) {
        return new TokenSequence(ids.clone());
    }

    /** Wraps an array the caller made for it and will not touch again. */
    static TokenSequence adopt(int[] ids) {
        return new TokenSequence(ids);
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }

    /** Token {@code i}. */
    public int get(int i) {
        return ids[i];
    }

    /** The ids (a new array). */
    public int[] toArray() {
        return ids.clone();
    }

    /** Tokens {@code from} (inclusive) to {@code to} (exclusive). */
    public TokenSequence slice(int from, int to) {
        return new TokenSequence(Arrays.copyOfRange(ids, from, to));
    }

    /** Copies tokens {@code from .. from + length} into {@code out} at {@code at}. */
    void copy(int from, int[] out, int at, int length) {
        System.arraycopy(ids, from, out, at, length);
    }

    @Override
    public String toString() {
        return "TokenSequence[" + ids.length + " tokens]";
    }
}
