package dev.mycel.train.autograd;

import dev.mycel.tensor.VectorMath;
import java.util.Arrays;

/**
 * Causal multi-head self-attention with rotary position embeddings and grouped-query attention,
 * as Llama computes it, with its gradient.
 *
 * <p>The work is split into units of one sequence and one key/value head: a unit rotates its
 * keys and the queries of the query heads that share them, runs their attention, and in the
 * backward pass computes every gradient of that key/value head, looping its query heads in
 * order. Each value, and each gradient element, is therefore computed by one thread in one fixed
 * order, and the results do not depend on the number of threads. Dot products are fused
 * multiply-add chains in index order; softmax sums run in double in index order, as the
 * inference engine's do.
 *
 * <p>Memory is O(t²) per head: the softmax probabilities are kept for the backward pass.
 */
public final class AttentionOps {
    private AttentionOps() {
    }

    /**
     * @param q queries [batch·seq, heads·headDim], rows ordered by sequence then position
     * @param k keys [batch·seq, kvHeads·headDim]
     * @param v values [batch·seq, kvHeads·headDim]
     * @param heads query heads; query head h reads key/value head h / (heads/kvHeads)
     * @param kvHeads key/value heads, dividing {@code heads}
     * @param rope the rotation applied to queries and keys at positions 0 .. seq−1 of each
     *     sequence, or null for none
     * @return the attention output [batch·seq, heads·headDim], heads side by side as the output
     *     projection expects them
     */
    public static Tensor causalSelfAttention(Tape tape, Tensor q, Tensor k, Tensor v, int batch, int seq,
            int heads, int kvHeads, RopeTable rope) {
        Shape s = Shape.of(q, k, v, batch, seq, heads, kvHeads, rope);
        boolean tracked = tape.tracks(q, k, v);
        float[] qr = rope == null ? q.data() : tape.scratch(q.size());
        float[] kr = rope == null ? k.data() : tape.scratch(k.size());
        float[] probs = tracked ? tape.scratch(Math.multiplyExact(batch * heads, seq * seq)) : null;
        Tensor y = tape.zeros(tracked, batch * seq, s.qDim);
        float[] vd = v.data();
        float[] yd = y.data();
        tape.pool().parallelFor(batch * kvHeads, 1, (from, to) -> {
            float[] row = new float[seq];
            for (int unit = from; unit < to; unit++) {
                int b = unit / kvHeads;
                int g = unit % kvHeads;
                if (rope != null) {
                    s.rotate(rope, k.data(), kr, b, g, s.kvDim);
                    for (int h = g * s.group; h < (g + 1) * s.group; h++) {
                        s.rotate(rope, q.data(), qr, b, h, s.qDim);
                    }
                }
                for (int h = g * s.group; h < (g + 1) * s.group; h++) {
                    for (int i = 0; i < seq; i++) {
                        float[] p = probs != null ? probs : row;
                        int pOff = probs != null ? s.probRow(b, h, i) : 0;
                        s.softmaxRow(qr, kr, b, h, i, p, pOff);
                        int out = s.qAt(b, i, h);
                        for (int j = 0; j <= i; j++) {
                            float pj = p[pOff + j];
                            int vAt = s.kvAt(b, j, g);
                            for (int d = 0; d < s.hd; d++) {
                                yd[out + d] = Math.fma(pj, vd[vAt + d], yd[out + d]);
                            }
                        }
                    }
                }
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy != null) {
                    backward(tape, s, q, k, v, qr, kr, probs, dy);
                }
            });
        }
        return y;
    }

    private static void backward(Tape tape, Shape s, Tensor q, Tensor k, Tensor v, float[] qr, float[] kr,
            float[] probs, float[] dy) {
        float[] dq = q.requiresGrad() ? q.gradForUpdate() : null;
        float[] dk = k.requiresGrad() ? k.gradForUpdate() : null;
        float[] dv = v.requiresGrad() ? v.gradForUpdate() : null;
        float[] vd = v.data();
        int seq = s.seq;
        int hd = s.hd;
        tape.pool().parallelFor(s.batch * s.kvHeads, 1, (from, to) -> {
            float[] dQr = new float[seq * hd];
            float[] dKr = new float[seq * hd];
            float[] dV = new float[seq * hd];
            float[] dS = new float[seq];
            for (int unit = from; unit < to; unit++) {
                int b = unit / s.kvHeads;
                int g = unit % s.kvHeads;
                Arrays.fill(dKr, 0f);
                Arrays.fill(dV, 0f);
                for (int h = g * s.group; h < (g + 1) * s.group; h++) {
                    Arrays.fill(dQr, 0f);
                    for (int i = 0; i < seq; i++) {
                        int pOff = s.probRow(b, h, i);
                        int dOut = s.qAt(b, i, h);
                        // dP_j = dOut_i·v_j; dV_j += p_ij·dOut_i
                        double weighted = 0;
                        for (int j = 0; j <= i; j++) {
                            float pj = probs[pOff + j];
                            int vAt = s.kvAt(b, j, g);
                            float dp = 0f;
                            for (int d = 0; d < hd; d++) {
                                dp = Math.fma(dy[dOut + d], vd[vAt + d], dp);
                                dV[j * hd + d] = Math.fma(pj, dy[dOut + d], dV[j * hd + d]);
                            }
                            dS[j] = dp;
                            weighted += pj * dp;
                        }
                        // Softmax: dScore_j = p_j·(dP_j − Σ_k p_k·dP_k), times the 1/√d the scores were scaled by.
                        float mean = (float) weighted;
                        for (int j = 0; j <= i; j++) {
                            dS[j] = probs[pOff + j] * (dS[j] - mean) * s.scale;
                        }
                        int qAt = s.qAt(b, i, h);
                        for (int j = 0; j <= i; j++) {
                            int kAt = s.kvAt(b, j, g);
                            float ds = dS[j];
                            for (int d = 0; d < hd; d++) {
                                dQr[i * hd + d] = Math.fma(ds, kr[kAt + d], dQr[i * hd + d]);
                                dKr[j * hd + d] = Math.fma(ds, qr[qAt + d], dKr[j * hd + d]);
                            }
                        }
                    }
                    if (dq != null) {
                        for (int i = 0; i < seq; i++) {
                            s.addBack(dQr, i * hd, dq, s.qAt(b, i, h), i);
                        }
                    }
                }
                for (int j = 0; j < seq; j++) {
                    int kvAt = s.kvAt(b, j, g);
                    if (dk != null) {
                        s.addBack(dKr, j * hd, dk, kvAt, j);
                    }
                    if (dv != null) {
                        for (int d = 0; d < hd; d++) {
                            dv[kvAt + d] += dV[j * hd + d];
                        }
                    }
                }
            }
        });
    }

    /** The sizes of one call and the offsets of its rows. */
    private record Shape(int batch, int seq, int heads, int kvHeads, int hd, int group, int qDim, int kvDim,
            float scale, RopeTable rope) {
        static Shape of(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, int kvHeads, RopeTable rope) {
            if (batch <= 0 || seq <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("attention needs positive sizes and key/value heads dividing the "
                        + "query heads, not batch " + batch + ", seq " + seq + ", heads " + heads + ", kv heads " + kvHeads);
            }
            if (q.rank() != 2 || q.dim(0) != batch * seq || q.dim(1) % heads != 0) {
                throw new IllegalArgumentException("queries must be [" + batch * seq + ", heads·headDim] for "
                        + heads + " heads, not " + q);
            }
            int hd = q.dim(1) / heads;
            int kvDim = kvHeads * hd;
            for (Tensor t : new Tensor[] {k, v}) {
                if (t.rank() != 2 || t.dim(0) != batch * seq || t.dim(1) != kvDim) {
                    throw new IllegalArgumentException("keys and values must be [" + batch * seq + ", " + kvDim
                            + "], not " + t);
                }
            }
            if (rope != null && (rope.headDim() != hd || rope.positions() < seq)) {
                throw new IllegalArgumentException("the RoPE table covers heads of " + rope.headDim() + " and "
                        + rope.positions() + " positions; this attention has heads of " + hd + " and " + seq);
            }
            float scale = (float) (1.0 / Math.sqrt(hd));
            return new Shape(batch, seq, heads, kvHeads, hd, heads / kvHeads, heads * hd, kvDim, scale, rope);
        }

        int qAt(int b, int pos, int h) {
            return (b * seq + pos) * qDim + h * hd;
        }

        int kvAt(int b, int pos, int g) {
            return (b * seq + pos) * kvDim + g * hd;
        }

        int probRow(int b, int h, int i) {
            return ((b * heads + h) * seq + i) * seq;
        }

        /** Rotates head {@code h} of every position of sequence {@code b} from {@code x} into {@code xr}. */
        void rotate(RopeTable rope, float[] x, float[] xr, int b, int h, int width) {
            for (int pos = 0; pos < seq; pos++) {
                int at = (b * seq + pos) * width + h * hd;
                rope.rotate(x, at, xr, at, pos);
            }
        }

        /** Adds a gradient with respect to a rotated head back into the unrotated head's gradient. */
        void addBack(float[] dRotated, int from, float[] dx, int at, int pos) {
            if (rope == null) {
                for (int d = 0; d < hd; d++) {
                    dx[at + d] += dRotated[from + d];
                }
            } else {
                rope.addRotatedBack(dRotated, from, dx, at, pos);
            }
        }

        /**
         * Writes the attention probabilities of query {@code i} of head {@code h} over keys
         * 0 .. i into {@code p[off ..]}: scaled dot products, minus their maximum, exponentiated
         * with {@link VectorMath#exp}, summed in double in order, times the float reciprocal.
         */
        void softmaxRow(float[] qr, float[] kr, int b, int h, int i, float[] p, int off) {
            int qAt = qAt(b, i, h);
            int g = h / group;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                int kAt = kvAt(b, j, g);
                float dot = 0f;
                for (int d = 0; d < hd; d++) {
                    dot = Math.fma(qr[qAt + d], kr[kAt + d], dot);
                }
                float score = dot * scale;
                p[off + j] = score;
                max = Math.max(max, score);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                float e = VectorMath.exp(p[off + j] - max);
                p[off + j] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j <= i; j++) {
                p[off + j] *= inv;
            }
        }
    }
}
