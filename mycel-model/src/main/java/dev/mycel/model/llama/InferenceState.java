package dev.mycel.model.llama;

import dev.mycel.tensor.ActivationFormat;
import dev.mycel.tensor.PreparedActivations;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything that changes while one sequence is processed: its KV cache and the scratch
 * buffers of a forward pass, sized for batches of up to {@code maxBatch} tokens. One state
 * belongs to one sequence and is used by one caller at a time.
 */
public final class InferenceState {
    final int maxBatch;
    final KvCache cache;
    final float[] x;        // (maxBatch, dim) residual stream
    final float[] xb;       // (maxBatch, dim) normed input of a sub-layer
    final float[] q;        // (maxBatch, qDim)
    final float[] k;        // (maxBatch, kvDim)
    final float[] v;        // (maxBatch, kvDim)
    final float[] att;      // (maxBatch, qDim) attention output
    final float[] proj;     // (maxBatch, dim) sub-layer output before the residual add
    final float[] gate;     // (maxBatch, ffnDim)
    final float[] up;       // (maxBatch, ffnDim)
    final float[] ropeCs;   // (maxBatch, ropePairs * 2) cos/sin
    final float[] logits;   // (vocab,)
    final float[][] scores; // per worker: (maxPositions,) attention weights
    final float[][] lanes;  // per worker: reduction lanes
    private final Map<Long, PreparedActivations> prepared = new HashMap<>();

    InferenceState(LlamaConfig c, int layers, int maxPositions, int maxBatch, int workers) {
        if (maxBatch < 1 || maxPositions < 1) {
            throw new IllegalArgumentException("batch and context must be positive");
        }
        this.maxBatch = maxBatch;
        this.cache = new KvCache(layers, c.kvDim(), maxPositions);
        this.x = new float[maxBatch * c.dim()];
        this.xb = new float[maxBatch * c.dim()];
        this.q = new float[maxBatch * c.qDim()];
        this.k = new float[maxBatch * c.kvDim()];
        this.v = new float[maxBatch * c.kvDim()];
        this.att = new float[maxBatch * c.qDim()];
        this.proj = new float[maxBatch * c.dim()];
        this.gate = new float[maxBatch * c.ffnDim()];
        this.up = new float[maxBatch * c.ffnDim()];
        this.ropeCs = new float[maxBatch * c.ropeDim()];
        this.logits = new float[c.vocabSize()];
        this.scores = new float[workers][maxPositions];
        this.lanes = new float[workers][16];
    }

    /** A reusable activation batch of the given format and width. */
    PreparedActivations prepared(ActivationFormat format, int cols) {
        long key = ((long) format.ordinal() << 32) | cols;
        return prepared.computeIfAbsent(key, k -> new PreparedActivations(format, maxBatch, cols));
    }

    public KvCache cache() {
        return cache;
    }

    /** Positions processed so far. */
    public int position() {
        return cache.length();
    }

    /** Forgets positions from {@code position} on, so that they can be recomputed. */
    public void rewind(int position) {
        cache.setLength(Math.min(position, cache.length()));
    }

    /** The logits written by the last forward pass that computed them. */
    public float[] logits() {
        return logits;
    }

    public int maxBatch() {
        return maxBatch;
    }
}
