package dev.mycel.model.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of candidate merges of two adjacent symbols, for the BPE and SentencePiece
 * merge loops. Each entry has a 64-bit priority (smaller pops first; the callers put the merge rank
 * or the negated score in the high half and the left symbol's index in the low half, so that ties
 * go to the leftmost pair, as in llama.cpp) and the two symbols' indices and versions, so that an
 * entry made stale by an earlier merge is recognised and skipped.
 *
 * <p>The heap keeps only primitives, so a long word costs O(n log n) time and no boxing.
 */
final class MergeQueue {
    private long[] priority = new long[16];
    /** Per entry: right symbol, left version, right version. */
    private int[] data = new int[48];
    private int size;

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(long prio, int right, int leftVersion, int rightVersion) {
        if (size == priority.length) {
            priority = Arrays.copyOf(priority, size * 2);
            data = Arrays.copyOf(data, size * 6);
        }
        int i = size++;
        // Sift up.
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (priority[parent] <= prio) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        priority[i] = prio;
        data[3 * i] = right;
        data[3 * i + 1] = leftVersion;
        data[3 * i + 2] = rightVersion;
    }

    /** The priority of the top entry. */
    long topPriority() {
        return priority[0];
    }

    int topRight() {
        return data[0];
    }

    int topLeftVersion() {
        return data[1];
    }

    int topRightVersion() {
        return data[2];
    }

    void pop() {
        size--;
        if (size == 0) {
            return;
        }
        long prio = priority[size];
        int right = data[3 * size];
        int lv = data[3 * size + 1];
        int rv = data[3 * size + 2];
        int i = 0;
        // Sift the last entry down from the root.
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && priority[child + 1] < priority[child]) {
                child++;
            }
            if (priority[child] >= prio) {
                break;
            }
            move(child, i);
            i = child;
        }
        priority[i] = prio;
        data[3 * i] = right;
        data[3 * i + 1] = lv;
        data[3 * i + 2] = rv;
    }

    private void move(int from, int to) {
        priority[to] = priority[from];
        data[3 * to] = data[3 * from];
        data[3 * to + 1] = data[3 * from + 1];
        data[3 * to + 2] = data[3 * from + 2];
    }

    /** Packs a primary key and the left symbol index into a priority; smaller primary keys pop first. */
    static long priority(int primary, int left) {
        return ((long) primary << 32) | (left & 0xFFFFFFFFL);
    }

    /** A primary key that orders higher scores first, treating -0.0 and 0.0 alike. */
    static int descendingScoreKey(float score) {
        int bits = Float.floatToIntBits(-score + 0.0f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }
}
