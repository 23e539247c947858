package dev.mycel.model.llama;

import dev.mycel.tensor.MatMul;
import dev.mycel.tensor.PreparedActivations;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.VectorMath;
import dev.mycel.tensor.WeightMatrix;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Llama-family transformer over the weights this process holds: the embedding, a span of
 * blocks and the head, any of which may be absent when the model is split among peers.
 *
 * <p>The forward pass is a batch of tokens at consecutive positions. Each output value is
 * computed by one thread with one fixed sequence of operations, so the results are the same
 * bits for any batch split, thread count and vector width: a prompt processed in one batch
 * leaves exactly the cache and logits that feeding it token by token leaves.
 */
public final class LlamaModel {
    /** Tokens per forward batch when processing a prompt. */
    public static final int DEFAULT_BATCH = 64;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final ThreadPool pool;
    private final Rope rope;
    private final LongAdder blocksNanos = new LongAdder();
    private final LongAdder headNanos = new LongAdder();

    /**
     * How long this model has spent in {@link #blocks} and in {@link #head} so far: what a
     * step's compute was, apart from decoding and encoding around it (the inference benchmark
     * compares a route's servers and client with a single process by these).
     */
    public record ComputeTimes(long blocksNanos, long headNanos) {
    }

    public LlamaModel(LlamaConfig config, LlamaWeights weights, ThreadPool pool) {
        this.config = Objects.requireNonNull(config);
        this.weights = Objects.requireNonNull(weights);
        this.pool = Objects.requireNonNull(pool);
        this.rope = new Rope(config, weights.ropeFreqFactors());
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public ThreadPool pool() {
        return pool;
    }

    public ComputeTimes computeTimes() {
        return new ComputeTimes(blocksNanos.sum(), headNanos.sum());
    }

    /** A fresh state for one sequence of at most {@code maxPositions} tokens. */
    public InferenceState newState(int maxPositions, int maxBatch) {
        return new InferenceState(config, weights.layers().length, maxPositions, maxBatch, pool.threads());
    }

    public InferenceState newState(int maxPositions) {
        return newState(maxPositions, DEFAULT_BATCH);
    }

    /**
     * Runs {@code tokens[off .. off+n)} at positions {@code state.position() ..} through the whole
     * model in batches and leaves the logits of the last token in {@link InferenceState#logits()}.
     */
    public float[] forward(InferenceState state, int[] tokens, int off, int n) {
        if (!weights.hasEmbedding() || !weights.hasHead() || weights.firstLayer() != 0
                || weights.endLayer() != config.layers()) {
            throw new IllegalStateException("this process holds only part of the model");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("nothing to process");
        }
        for (int done = 0; done < n; ) {
            int batch = Math.min(state.maxBatch, n - done);
            embed(tokens, off + done, batch, state.x);
            blocks(state, state.x, batch);
            done += batch;
            if (done == n) {
                head(state, state.x, batch - 1, state.logits);
            }
        }
        return state.logits;
    }

    public float[] forward(InferenceState state, int[] tokens) {
        return forward(state, tokens, 0, tokens.length);
    }

    /** Writes the embeddings of {@code n} tokens into {@code x} as (n, dim). */
    public void embed(int[] tokens, int off, int n, float[] x) {
        WeightMatrix e = weights.embedding();
        for (int t = 0; t < n; t++) {
            int id = tokens[off + t];
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.."
                        + (config.vocabSize() - 1) + ")");
            }
            e.dequantizeRow(id, x, t * config.dim());
        }
    }

    /**
     * Runs the blocks this process holds over {@code n} hidden states (n, dim) in {@code x},
     * in place, at positions {@code state.position() .. + n}, and appends them to the cache.
     */
    public void blocks(InferenceState s, float[] x, int n) {
        if (n > s.maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " exceeds the state's " + s.maxBatch);
        }
        long start = System.nanoTime();
        runBlocks(s, x, n);
        blocksNanos.add(System.nanoTime() - start);
    }

    private void runBlocks(InferenceState s, float[] x, int n) {
        int pos = s.cache.length();
        s.cache.ensureCapacity(pos + n);
        for (int t = 0; t < n; t++) {
            rope.angles(pos + t, s.ropeCs, t * config.ropeDim());
        }
        for (int l = 0; l < weights.layers().length; l++) {
            attention(s, l, x, n, pos);
            feedForward(s, l, x, n);
        }
        s.cache.setLength(pos + n);
    }

    private void attention(InferenceState s, int l, float[] x, int n, int pos) {
        LlamaConfig c = config;
        LayerWeights w = weights.layers()[l];
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(s.xb, t * dim, x, t * dim, w.attnNorm(), dim, c.normEps());
        }
        project(s, s.xb, n, dim, new WeightMatrix[] {w.wq(), w.wk(), w.wv()}, new float[][] {s.q, s.k, s.v});
        float[] keys = s.cache.keys(l);
        float[] values = s.cache.values(l);
        int kvDim = c.kvDim();
        for (int t = 0; t < n; t++) {
            if (w.bq() != null) {
                VectorMath.add(w.bq(), 0, s.q, t * c.qDim(), c.qDim());
                VectorMath.add(w.bk(), 0, s.k, t * kvDim, kvDim);
                VectorMath.add(w.bv(), 0, s.v, t * kvDim, kvDim);
            }
            int cs = t * c.ropeDim();
            rope.apply(s.q, t * c.qDim(), c.heads(), c.headDim(), s.ropeCs, cs);
            rope.apply(s.k, t * kvDim, c.kvHeads(), c.headDim(), s.ropeCs, cs);
            System.arraycopy(s.k, t * kvDim, keys, (pos + t) * kvDim, kvDim);
            System.arraycopy(s.v, t * kvDim, values, (pos + t) * kvDim, kvDim);
        }
        int heads = c.heads();
        int hd = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        // Small attentions (short contexts, tiny models) are not worth waking other threads for.
        long work = (long) n * heads * (pos + n) * hd;
        ThreadPool.WorkerRangeTask task = (worker, from, to) -> {
            float[] scores = s.scores[worker];
            float[] lanes = s.lanes[worker];
            for (int item = from; item < to; item++) {
                int t = item / heads;
                int h = item % heads;
                int kvOff = (h / c.groupSize()) * hd;
                int qOff = t * c.qDim() + h * hd;
                int last = pos + t;
                for (int j = 0; j <= last; j++) {
                    scores[j] = VectorMath.dot(s.q, qOff, keys, j * kvDim + kvOff, hd, lanes) * scale;
                }
                VectorMath.softmax(scores, 0, last + 1);
                java.util.Arrays.fill(s.att, qOff, qOff + hd, 0f);
                for (int j = 0; j <= last; j++) {
                    VectorMath.axpy(scores[j], values, j * kvDim + kvOff, s.att, qOff, hd);
                }
            }
        };
        if (work < 1 << 16) {
            task.run(0, 0, n * heads);
        } else {
            pool.parallelFor(n * heads, 1, task);
        }
        project(s, s.att, n, c.qDim(), new WeightMatrix[] {w.wo()}, new float[][] {s.proj});
        for (int t = 0; t < n; t++) {
            VectorMath.add(s.proj, t * dim, x, t * dim, dim);
        }
    }

    private void feedForward(InferenceState s, int l, float[] x, int n) {
        LlamaConfig c = config;
        LayerWeights w = weights.layers()[l];
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(s.xb, t * dim, x, t * dim, w.ffnNorm(), dim, c.normEps());
        }
        project(s, s.xb, n, dim, new WeightMatrix[] {w.wGate(), w.wUp()}, new float[][] {s.gate, s.up});
        int ffn = c.ffnDim();
        if ((long) n * ffn < 1 << 14) {
            VectorMath.swiglu(s.gate, 0, s.up, 0, n * ffn);
        } else {
            pool.parallelFor(n * ffn, 1024, (from, to) -> VectorMath.swiglu(s.gate, from, s.up, from, to - from));
        }
        project(s, s.gate, n, ffn, new WeightMatrix[] {w.wDown()}, new float[][] {s.proj});
        for (int t = 0; t < n; t++) {
            VectorMath.add(s.proj, t * dim, x, t * dim, dim);
        }
    }

    /**
     * Multiplies {@code n} rows of {@code in} (n, cols) by matrices that read the same input;
     * matrices sharing an activation format go in one parallel dispatch.
     */
    private void project(InferenceState s, float[] in, int n, int cols, WeightMatrix[] ws, float[][] outs) {
        int i = 0;
        while (i < ws.length) {
            int j = i + 1;
            while (j < ws.length && ws[j].inputFormat() == ws[i].inputFormat()) {
                j++;
            }
            PreparedActivations x = s.prepared(ws[i].inputFormat(), cols).prepare(in, 0, n);
            if (j - i == 1) {
                MatMul.multiply(pool, ws[i], x, outs[i]);
            } else {
                MatMul.multiply(pool, x, java.util.Arrays.copyOfRange(ws, i, j), java.util.Arrays.copyOfRange(outs, i, j));
            }
            i = j;
        }
    }

    /** Final norm and output projection of hidden state {@code row} of {@code x} into {@code logits}. */
    public void head(InferenceState s, float[] x, int row, float[] logits) {
        long start = System.nanoTime();
        int dim = config.dim();
        VectorMath.rmsNorm(s.xb, 0, x, row * dim, weights.outputNorm(), dim, config.normEps());
        PreparedActivations in = s.prepared(weights.output().inputFormat(), dim).prepare(s.xb, 0, 1);
        MatMul.multiply(pool, weights.output(), in, logits);
        headNanos.add(System.nanoTime() - start);
    }
}
