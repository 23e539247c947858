package dev.mycel.train.autograd;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.VectorMath;
import dev.mycel.tensor.train.Gemm;
import dev.mycel.tensor.train.Gemm.Layout;
import java.util.Arrays;

/**
 * Causal multi-head self-attention with rotary position embeddings and grouped-query attention,
 * as Llama computes it, with its gradient.
 *
 * <p>The work is split into units of one sequence and one key/value head: a unit rotates its
 * keys and the queries of the query heads that share them, runs their attention, and in the
 * backward pass computes every gradient of that key/value head, looping its query heads in
 * order. Each value, and each gradient element, is therefore computed by one thread in one fixed
 * order, and the results do not depend on the number of threads.
 *
 * <p>Inside a unit every product is a {@link Gemm} on contiguous [seq, headDim] copies of the
 * heads (one fused multiply-add chain per element, in index order, vectorised across the
 * output's columns, so the vector width changes no bit). The queries are taken in blocks of
 * {@link #BLOCK} rows, and a block only meets the keys up to its last row: for queries
 * {@code r0 .. r1−1} (r1 = min(seq, r0 + BLOCK)) the products run over keys {@code 0 .. r1−1},
 * the masked ones entering with a probability (or score gradient) of exactly 0. Precisely, with
 * {@code R(i)} the end {@code r1} of query i's block and {@code S(j)} the start {@code r0} of
 * key j's block, and every chain started from +0:
 *
 * <ul>
 *   <li>score {@code s_ij = (Σ_d q_id·k_jd)·scale} for j ≤ i, scale = (float) (1/√headDim)
 *       applied after the chain (not folded into the queries);
 *   <li>{@code p_i· = softmax(s_i0 .. s_ii)}: minus their maximum, {@link VectorMath#exp},
 *       summed in double in order, times the float reciprocal of the sum
 *       ({@link VectorMath#softmax}); {@code p_ij = 0} for j &gt; i;
 *   <li>output {@code y_i = Σ_{j < R(i)} p_ij·v_j};
 *   <li>backward: {@code dp_ij = Σ_d dy_id·v_jd}; {@code μ_i} = the float of
 *       {@code Σ_{j ≤ i} (p_ij·dp_ij)} summed in double in order; {@code ds_ij = p_ij·(dp_ij −
 *       μ_i)·scale} for j ≤ i, 0 beyond; {@code dq_i = Σ_{j < R(i)} ds_ij·k_j}; and for key j,
 *       continuing one chain over the query heads h of its group in order,
 *       {@code dk_j = Σ_h Σ_{S(j) ≤ i < seq} ds_ij·q_i} and {@code dv_j = Σ_h Σ_{S(j) ≤ i < seq}
 *       p_ij·dy_i};
 *   <li>then RoPE's inverse rotation adds dq and dk into the gradients of the unrotated
 *       queries and keys.
 * </ul>
 *
 * <p>For finite inputs the zero terms (j &gt; i) change no value: the result equals the chain
 * over the unmasked terms alone, except that a sum whose every term is zero may come out +0
 * where that chain gives −0. {@link #BLOCK} is a constant, never the vector width, so this
 * too is the same on every machine.
 *
 * <p>Memory is O(t²) per head: the softmax probabilities are kept for the backward pass, block
 * after block ({@code rows × r1} each), about half of t² per head.
 */
public final class AttentionOps {
    /**
     * Query rows per block. A multiple of the {@link Gemm} kernel's five rows per tile, and a
     * constant: the extents of the sums above depend on it, and must not depend on the machine.
     */
    static final int BLOCK = 20;

    /** Each unit's products run on the unit's own thread. */
    private static final ThreadPool INLINE = CallingThread.POOL;

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
        // The rotated queries and keys, one [seq, hd] matrix per (sequence, head): kept for the backward pass.
        float[] qh = tape.scratch(q.size());
        float[] kh = tape.scratch(k.size());
        float[] probs = tracked ? tape.scratch(Math.multiplyExact(batch * heads, s.packed)) : null;
        Tensor y = tape.zeros(tracked, batch * seq, s.qDim);
        float[] yd = y.data();
        int hd = s.hd;
        tape.pool().parallelFor(batch * kvHeads, 1, (from, to) -> {
            float[] vs = new float[seq * hd];
            float[] ys = new float[seq * hd];
            float[] block = probs == null ? new float[Math.min(BLOCK, seq) * seq] : null;
            for (int unit = from; unit < to; unit++) {
                int b = unit / kvHeads;
                int g = unit % kvHeads;
                int kOff = s.kvHead(b, g);
                s.gather(k.data(), s.kvDim, b, g, kh, kOff, rope);
                s.gather(v.data(), s.kvDim, b, g, vs, 0, null);
                for (int h = g * s.group; h < (g + 1) * s.group; h++) {
                    int qOff = s.qHead(b, h);
                    s.gather(q.data(), s.qDim, b, h, qh, qOff, rope);
                    int pOff = probs != null ? s.probHead(b, h) : 0;
                    float[] p = probs != null ? probs : block;
                    for (int r0 = 0; r0 < seq; r0 += BLOCK) {
                        int r1 = Math.min(seq, r0 + BLOCK);
                        int rows = r1 - r0;
                        // Scores of queries r0 .. r1−1 against keys 0 .. r1−1, [rows, r1].
                        Gemm.multiply(INLINE, rows, r1, hd, qh, qOff + r0 * hd, Layout.NORMAL,
                                kh, kOff, Layout.TRANSPOSED, p, pOff, false);
                        for (int i = r0; i < r1; i++) {
                            int row = pOff + (i - r0) * r1;
                            VectorMath.scale(p, row, i + 1, s.scale);
                            VectorMath.softmax(p, row, i + 1);
                            Arrays.fill(p, row + i + 1, row + r1, 0f);
                        }
                        Gemm.multiply(INLINE, rows, hd, r1, p, pOff, Layout.NORMAL, vs, 0, Layout.NORMAL,
                                ys, r0 * hd, false);
                        if (probs != null) {
                            pOff += rows * r1;
                        }
                    }
                    for (int i = 0; i < seq; i++) {
                        System.arraycopy(ys, i * hd, yd, s.qAt(b, i, h), hd);
                    }
                }
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy != null) {
                    backward(tape, s, q, k, v, qh, kh, probs, dy);
                }
            });
        }
        return y;
    }

    private static void backward(Tape tape, Shape s, Tensor q, Tensor k, Tensor v, float[] qh, float[] kh,
            float[] probs, float[] dy) {
        float[] dq = q.requiresGrad() ? q.gradForUpdate() : null;
        float[] dk = k.requiresGrad() ? k.gradForUpdate() : null;
        float[] dv = v.requiresGrad() ? v.gradForUpdate() : null;
        int seq = s.seq;
        int hd = s.hd;
        tape.pool().parallelFor(s.batch * s.kvHeads, 1, (from, to) -> {
            float[] vs = new float[seq * hd];
            float[] dys = new float[seq * hd];
            float[] dQr = new float[seq * hd];
            float[] dKr = new float[seq * hd];
            float[] dV = new float[seq * hd];
            float[] dS = new float[Math.min(BLOCK, seq) * seq];
            for (int unit = from; unit < to; unit++) {
                int b = unit / s.kvHeads;
                int g = unit % s.kvHeads;
                int kOff = s.kvHead(b, g);
                s.gather(v.data(), s.kvDim, b, g, vs, 0, null);
                Arrays.fill(dKr, 0f);
                Arrays.fill(dV, 0f);
                for (int h = g * s.group; h < (g + 1) * s.group; h++) {
                    int qOff = s.qHead(b, h);
                    s.gather(dy, s.qDim, b, h, dys, 0, null);
                    int pOff = s.probHead(b, h);
                    for (int r0 = 0; r0 < seq; r0 += BLOCK) {
                        int r1 = Math.min(seq, r0 + BLOCK);
                        int rows = r1 - r0;
                        // dP = dY·Vᵀ for queries r0 .. r1−1 and keys 0 .. r1−1.
                        Gemm.multiply(INLINE, rows, r1, hd, dys, r0 * hd, Layout.NORMAL, vs, 0, Layout.TRANSPOSED,
                                dS, 0, false);
                        // Softmax: dS_ij = p_ij·(dP_ij − Σ_j p_ij·dP_ij), times the scale the scores were scaled by.
                        for (int i = r0; i < r1; i++) {
                            int row = (i - r0) * r1;
                            int pRow = pOff + row;
                            double weighted = 0;
                            for (int j = 0; j <= i; j++) {
                                weighted += probs[pRow + j] * dS[row + j];
                            }
                            float mean = (float) weighted;
                            for (int j = 0; j <= i; j++) {
                                dS[row + j] = probs[pRow + j] * (dS[row + j] - mean) * s.scale;
                            }
                            Arrays.fill(dS, row + i + 1, row + r1, 0f);
                        }
                        if (dq != null) {
                            // dQ rows r0 .. r1−1 = dS·K
                            Gemm.multiply(INLINE, rows, hd, r1, dS, 0, Layout.NORMAL, kh, kOff, Layout.NORMAL,
                                    dQr, r0 * hd, false);
                        }
                        if (dk != null) {
                            // dK rows 0 .. r1−1 += dSᵀ·Q
                            Gemm.multiply(INLINE, r1, hd, rows, dS, 0, Layout.TRANSPOSED, qh, qOff + r0 * hd,
                                    Layout.NORMAL, dKr, 0, true);
                        }
                        if (dv != null) {
                            // dV rows 0 .. r1−1 += Pᵀ·dY
                            Gemm.multiply(INLINE, r1, hd, rows, probs, pOff, Layout.TRANSPOSED, dys, r0 * hd,
                                    Layout.NORMAL, dV, 0, true);
                        }
                        pOff += rows * r1;
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

    /** The probabilities one head keeps: block after block of queries, {@code rows × r1} each. */
    static int packedProbabilities(int seq) {
        long size = 0;
        for (int r0 = 0; r0 < seq; r0 += BLOCK) {
            int r1 = Math.min(seq, r0 + BLOCK);
            size += (long) (r1 - r0) * r1;
        }
        return Math.toIntExact(size);
    }

    /** The sizes of one call and the offsets of its rows. */
    private record Shape(int batch, int seq, int heads, int kvHeads, int hd, int group, int qDim, int kvDim,
            float scale, int packed, RopeTable rope) {
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
            return new Shape(batch, seq, heads, kvHeads, hd, heads / kvHeads, heads * hd, kvDim, scale,
                    packedProbabilities(seq), rope);
        }

        /** Element (position pos, head h) of sequence b in the [batch·seq, heads·hd] queries. */
        int qAt(int b, int pos, int h) {
            return (b * seq + pos) * qDim + h * hd;
        }

        /** Element (position pos, head g) of sequence b in the [batch·seq, kvHeads·hd] keys or values. */
        int kvAt(int b, int pos, int g) {
            return (b * seq + pos) * kvDim + g * hd;
        }

        /** Start of query head h of sequence b as a contiguous [seq, hd] matrix. */
        int qHead(int b, int h) {
            return (b * heads + h) * seq * hd;
        }

        /** Start of key head g of sequence b as a contiguous [seq, hd] matrix. */
        int kvHead(int b, int g) {
            return (b * kvHeads + g) * seq * hd;
        }

        /** Start of the probabilities of head h of sequence b. */
        int probHead(int b, int h) {
            return (b * heads + h) * packed;
        }

        /**
         * Copies head {@code h} of every position of sequence {@code b}, from {@code x} whose rows
         * are {@code width} wide, to the contiguous [seq, hd] matrix at {@code to[at ..]}, rotated
         * by {@code rope} when not null.
         */
        void gather(float[] x, int width, int b, int h, float[] to, int at, RopeTable rope) {
            for (int pos = 0; pos < seq; pos++) {
                int from = (b * seq + pos) * width + h * hd;
                if (rope != null) {
                    rope.rotate(x, from, to, at + pos * hd, pos);
                } else {
                    System.arraycopy(x, from, to, at + pos * hd, hd);
                }
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
    }
}
