package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.VectorMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionOps} against a plain scalar reference of the definition in its Javadoc: the
 * same sums, each one {@link Math#fma} chain in the same order over the same extents (the
 * query blocks of {@link AttentionOps#BLOCK} rows), so the two must agree bit for bit, on one
 * thread and on three, whatever the vector width.
 */
class AttentionReferenceTest {
    @Test
    void groupedQueriesWithinOneBlock() {
        compare(2, 7, 4, 2, 8, true, false);
    }

    @Test
    void groupedQueriesOverSeveralBlocksAndOddSizes() {
        compare(1, 2 * AttentionOps.BLOCK + 5, 6, 2, 12, true, false);
    }

    @Test
    void oneKeyValueHeadForThreeQueryHeads() {
        compare(2, AttentionOps.BLOCK + 1, 3, 1, 6, true, false);
    }

    @Test
    void trainingShapeWithoutRope() {
        compare(2, 64, 4, 4, 32, false, false);
    }

    @Test
    void tinyValuesWhoseZeroSumsHaveSigns() {
        // Values and output gradients of ±Float.MIN_VALUE and ±0: products round to zeros of
        // either sign, so the extents of the sums (the masked zero terms included) show in the bits.
        compare(2, 2 * AttentionOps.BLOCK + 3, 4, 2, 10, true, true);
    }

    private static void compare(int batch, int seq, int heads, int kvHeads, int hd, boolean withRope, boolean tiny) {
        Random rnd = new Random(seq * 1000L + heads * 10 + kvHeads);
        float[] q = gaussian(rnd, batch * seq * heads * hd);
        float[] k = gaussian(rnd, batch * seq * kvHeads * hd);
        float[] v = tiny ? tiny(rnd, batch * seq * kvHeads * hd) : gaussian(rnd, batch * seq * kvHeads * hd);
        float[] dy = tiny ? tiny(rnd, batch * seq * heads * hd) : gaussian(rnd, batch * seq * heads * hd);
        RopeTable rope = withRope ? new RopeTable(hd, seq + 3, 10000f) : null;
        float[][] expected = reference(q, k, v, dy, batch, seq, heads, kvHeads, rope);
        String[] names = {"output", "query gradient", "key gradient", "value gradient"};
        for (int threads : new int[] {1, 3}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                Tensor qt = Tensor.trainable(q.clone(), batch * seq, heads * hd);
                Tensor kt = Tensor.trainable(k.clone(), batch * seq, kvHeads * hd);
                Tensor vt = Tensor.trainable(v.clone(), batch * seq, kvHeads * hd);
                Tape tape = new Tape(pool, true, 0);
                Tensor y = AttentionOps.causalSelfAttention(tape, qt, kt, vt, batch, seq, heads, kvHeads, rope);
                tape.record(() -> System.arraycopy(dy, 0, y.gradForUpdate(), 0, dy.length));
                tape.backward(Tensor.zeros(true, 1));
                float[][] actual = {y.data(), qt.grad(), kt.grad(), vt.grad()};
                for (int n = 0; n < names.length; n++) {
                    assertSameBits(expected[n], actual[n], names[n] + ", " + threads + " threads");
                }
                // Without a tape that records, the output keeps no probabilities but has the same bits.
                float[] inference = AttentionOps.causalSelfAttention(new Tape(pool, false, 0), qt, kt, vt, batch, seq,
                        heads, kvHeads, rope).data();
                assertSameBits(expected[0], inference, "output without recording, " + threads + " threads");
            }
        }
    }

    /**
     * The definition, written out: returns the output and the gradients of q, k and v for the
     * output gradient {@code dy}.
     */
    static float[][] reference(float[] q, float[] k, float[] v, float[] dy, int batch, int seq, int heads,
            int kvHeads, RopeTable rope) {
        int qDim = q.length / (batch * seq);
        int hd = qDim / heads;
        int kvDim = kvHeads * hd;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] qr = rotate(q, batch, seq, heads, hd, rope);
        float[] kr = rotate(k, batch, seq, kvHeads, hd, rope);
        float[] y = new float[q.length];
        float[] dq = new float[q.length];
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        float[] dqr = new float[q.length];
        float[] dkr = new float[k.length];
        float[] dvSum = new float[v.length];
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < kvHeads; g++) {
                for (int h = g * group; h < (g + 1) * group; h++) {
                    float[][] p = new float[seq][seq];
                    float[][] ds = new float[seq][seq];
                    for (int i = 0; i < seq; i++) {
                        int qi = (b * seq + i) * qDim + h * hd;
                        // Scores, then softmax over keys 0 .. i.
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            int kj = (b * seq + j) * kvDim + g * hd;
                            float dot = 0f;
                            for (int d = 0; d < hd; d++) {
                                dot = Math.fma(qr[qi + d], kr[kj + d], dot);
                            }
                            p[i][j] = dot * scale;
                            max = Math.max(max, p[i][j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) {
                            p[i][j] = VectorMath.exp(p[i][j] - max);
                            sum += p[i][j];
                        }
                        float inv = (float) (1.0 / sum);
                        for (int j = 0; j <= i; j++) {
                            p[i][j] *= inv;
                        }
                        // Output: keys 0 .. end of the query's block, the masked ones with p = 0.
                        for (int d = 0; d < hd; d++) {
                            float acc = 0f;
                            for (int j = 0; j < blockEnd(i, seq); j++) {
                                acc = Math.fma(p[i][j], v[(b * seq + j) * kvDim + g * hd + d], acc);
                            }
                            y[qi + d] = acc;
                        }
                        // Score gradients.
                        float[] dp = new float[i + 1];
                        double weighted = 0;
                        for (int j = 0; j <= i; j++) {
                            int vj = (b * seq + j) * kvDim + g * hd;
                            float dot = 0f;
                            for (int d = 0; d < hd; d++) {
                                dot = Math.fma(dy[qi + d], v[vj + d], dot);
                            }
                            dp[j] = dot;
                            weighted += p[i][j] * dot;
                        }
                        float mean = (float) weighted;
                        for (int j = 0; j <= i; j++) {
                            ds[i][j] = p[i][j] * (dp[j] - mean) * scale;
                        }
                        for (int d = 0; d < hd; d++) {
                            float acc = 0f;
                            for (int j = 0; j < blockEnd(i, seq); j++) {
                                acc = Math.fma(ds[i][j], kr[(b * seq + j) * kvDim + g * hd + d], acc);
                            }
                            dqr[qi + d] = acc;
                        }
                    }
                    // Key and value gradients: one chain per element over the group's heads in
                    // order, each over the queries from the start of the key's block.
                    for (int j = 0; j < seq; j++) {
                        int kj = (b * seq + j) * kvDim + g * hd;
                        for (int d = 0; d < hd; d++) {
                            float accK = dkr[kj + d];
                            float accV = dvSum[kj + d];
                            for (int i = blockStart(j); i < seq; i++) {
                                int qi = (b * seq + i) * qDim + h * hd;
                                accK = Math.fma(ds[i][j], qr[qi + d], accK);
                                accV = Math.fma(p[i][j], dy[qi + d], accV);
                            }
                            dkr[kj + d] = accK;
                            dvSum[kj + d] = accV;
                        }
                    }
                }
            }
        }
        unrotate(dqr, dq, batch, seq, heads, hd, rope);
        unrotate(dkr, dk, batch, seq, kvHeads, hd, rope);
        // Gradients are added into the inputs' (here zero) gradients.
        for (int i = 0; i < dv.length; i++) {
            dv[i] += dvSum[i];
        }
        return new float[][] {y, dq, dk, dv};
    }

    private static int blockStart(int i) {
        return i / AttentionOps.BLOCK * AttentionOps.BLOCK;
    }

    private static int blockEnd(int i, int seq) {
        return Math.min(seq, blockStart(i) + AttentionOps.BLOCK);
    }

    private static float[] rotate(float[] x, int batch, int seq, int heads, int hd, RopeTable rope) {
        float[] out = x.clone();
        if (rope != null) {
            for (int row = 0; row < batch * seq; row++) {
                for (int h = 0; h < heads; h++) {
                    int at = (row * heads + h) * hd;
                    for (int i = 0; i < hd / 2; i++) {
                        float cos = rope.cos(row % seq, i);
                        float sin = rope.sin(row % seq, i);
                        float x0 = x[at + 2 * i];
                        float x1 = x[at + 2 * i + 1];
                        out[at + 2 * i] = x0 * cos - x1 * sin;
                        out[at + 2 * i + 1] = x0 * sin + x1 * cos;
                    }
                }
            }
        }
        return out;
    }

    private static void unrotate(float[] dRotated, float[] dx, int batch, int seq, int heads, int hd, RopeTable rope) {
        for (int row = 0; row < batch * seq; row++) {
            for (int h = 0; h < heads; h++) {
                int at = (row * heads + h) * hd;
                if (rope != null) {
                    for (int i = 0; i < hd / 2; i++) {
                        float cos = rope.cos(row % seq, i);
                        float sin = rope.sin(row % seq, i);
                        float d0 = dRotated[at + 2 * i];
                        float d1 = dRotated[at + 2 * i + 1];
                        dx[at + 2 * i] += d0 * cos + d1 * sin;
                        dx[at + 2 * i + 1] += d1 * cos - d0 * sin;
                    }
                } else {
                    for (int d = 0; d < hd; d++) {
                        dx[at + d] += dRotated[at + d];
                    }
                }
            }
        }
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[i]);
            if (e != a) {
                assertEquals(e, a, what + ": element " + i + " is " + actual[i] + ", the reference " + expected[i]);
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static float[] tiny(Random rnd, int n) {
        float[] choices = {Float.MIN_VALUE, -Float.MIN_VALUE, 0f, -0f};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = choices[rnd.nextInt(choices.length)];
        }
        return x;
    }
}
