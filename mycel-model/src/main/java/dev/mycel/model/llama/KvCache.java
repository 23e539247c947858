package dev.mycel.model.llama;

import java.util.Arrays;

/**
 * Keys and values of the positions seen so far, for a span of layers: per layer a
 * (positions, kvDim) array for keys and one for values. Storage grows as positions are added,
 * up to {@code maxPositions}, so a short session costs little memory.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int maxPositions;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;
    private int length;

    public KvCache(int layers, int kvDim, int maxPositions) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.maxPositions = maxPositions;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = 0;
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[0];
            values[l] = new float[0];
        }
    }

    /** Makes room for positions {@code [0, positions)}. */
    public void ensureCapacity(int positions) {
        if (positions > maxPositions) {
            throw new IllegalStateException("context is full: " + positions + " positions needed, "
                    + maxPositions + " allowed");
        }
        if (positions <= capacity) {
            return;
        }
        int grown = (int) Math.min(maxPositions, Math.max(positions, Math.max(64, 2L * capacity)));
        for (int l = 0; l < layers; l++) {
            keys[l] = Arrays.copyOf(keys[l], Math.multiplyExact(grown, kvDim));
            values[l] = Arrays.copyOf(values[l], Math.multiplyExact(grown, kvDim));
        }
        capacity = grown;
    }

    /** Keys of layer {@code l} (relative to the cache's span), (capacity, kvDim). */
    public float[] keys(int l) {
        return keys[l];
    }

    public float[] values(int l) {
        return values[l];
    }

    /** Positions filled so far. */
    public int length() {
        return length;
    }

    /** Declares positions {@code [0, length)} filled; later positions are forgotten. */
    public void setLength(int length) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("cache length " + length + " outside 0.." + capacity);
        }
        this.length = length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Bytes currently allocated. */
    public long allocatedBytes() {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }
}
