package dev.mycel.model.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing hash map from a pair of non-negative ints to a non-negative long. BPE
 * vocabularies have up to a few hundred thousand merges, and a {@code HashMap<Long, Long>} would
 * box every key and value; this keeps the table in two flat arrays.
 */
final class PairTable {
    private static final long EMPTY = -1L;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    PairTable(int expected) {
        // At most 3/4 full: 280,000 merges fit 2^19 slots (8 MB) where half full would take 16 MB.
        int capacity = Integer.highestOneBit(Math.max(16, expected + expected / 3) - 1) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    private static long key(int first, int second) {
        return ((long) first << 32) | (second & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Stores the value unless the pair already has one; returns whether it was stored. */
    boolean putIfAbsent(int first, int second, long value) {
        long key = key(first, second);
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size * 4L > keys.length * 3L) {
            grow();
        }
        return true;
    }

    /** The value of the pair, or -1. */
    long get(int first, int second) {
        long key = key(first, second);
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = slot(oldKeys[j]);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }
}
