package dev.mycel.tensor.train;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float matrix product {@code C (+)= A·B} with the same bits on every machine: each element
 * of C is one chain of fused multiply-adds over k in increasing order, started from zero (or from
 * C's value when accumulating), whatever the thread count, the vector width or the tiling.
 *
 * <p>That is what makes a training step verifiable by hash, and it costs nothing in speed: the
 * kernel is the classic register-tiled one (BLIS, GotoBLAS), which vectorises across columns of
 * C, not along k, so no sum is ever split into lanes. An {@code MR × 2·W} tile of C stays in
 * registers while k runs; each step broadcasts MR values of A and multiplies them into two
 * vectors of B. Operands are first copied ("packed") into the order the kernel reads them,
 * which also lets any operand be transposed for free. k is cut into blocks of {@link #KC}
 * (the packed B panel stays in the first-level cache); between blocks the partial sums are stored
 * in C and reloaded, which is exact, so the chain's order is unchanged.
 *
 * <p>Threads split C by tiles (row blocks times column panels); each element is computed by one
 * thread with the same operations, so the split never changes a bit.
 */
public final class Gemm {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    /** Rows of C per register tile: five rows of two vectors keep ten accumulators, the two B vectors and a broadcast within 16 registers (six rows made C2 spill two accumulators and ran at half the speed). */
    static final int MR = 5;
    /** Columns of C per register tile: two vectors. */
    static final int NR = 2 * W;
    /** Depth of one packed block. */
    static final int KC = 256;
    /** Rows of C per packed block of A (a multiple of {@link #MR}). */
    static final int MC = 16 * MR;

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> EDGE_TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private Gemm() {
    }

    /** How an operand is stored. */
    public enum Layout {
        /** Row-major as named: A as [m][k], B as [k][n]. */
        NORMAL,
        /** Stored transposed: A as [k][m], B as [n][k]. */
        TRANSPOSED
    }

    /**
     * {@code C[m][n] = A·B}, or {@code C += A·B} when {@code accumulate}. C is row-major [m][n]
     * at {@code cOff}; A and B are dense at their offsets in the given layouts. C must not
     * overlap A or B.
     */
    public static void multiply(ThreadPool pool, int m, int n, int k,
                                float[] a, int aOff, Layout aLayout,
                                float[] b, int bOff, Layout bLayout,
                                float[] c, int cOff, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative matrix size " + m + "x" + n + "x" + k);
        }
        checkRange("A", a, aOff, (long) m * k);
        checkRange("B", b, bOff, (long) k * n);
        checkRange("C", c, cOff, (long) m * n);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
            }
            return;
        }
        int panels = (n + NR - 1) / NR;
        int rowBlocks = (m + MC - 1) / MC;
        int threads = pool.threads();
        // Enough work items for every thread, splitting the columns only when rows are few.
        int columnChunks = Math.min(panels, Math.max(1, (2 * threads + rowBlocks - 1) / rowBlocks));
        int items = rowBlocks * columnChunks;
        float[][] holder = PACKED_B.get();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            int p0 = pc;
            if (holder[0].length < panels * kc * NR) {
                holder[0] = new float[panels * kc * NR];
            }
            float[] packedB = holder[0];
            pool.parallelFor(panels, 1, (from, to) -> packB(b, bOff, bLayout, n, k, p0, kc, from, to, packedB));
            boolean load = accumulate || pc > 0;
            pool.parallelFor(items, 1, (from, to) -> {
                float[] packedA = PACKED_A.get();
                float[] edge = EDGE_TILE.get();
                for (int item = from; item < to; item++) {
                    int rb = item / columnChunks;
                    int chunk = item % columnChunks;
                    int i0 = rb * MC;
                    int rows = Math.min(MC, m - i0);
                    int j0 = (int) ((long) panels * chunk / columnChunks);
                    int j1 = (int) ((long) panels * (chunk + 1) / columnChunks);
                    packA(a, aOff, aLayout, m, k, i0, rows, p0, kc, packedA);
                    for (int panel = j0; panel < j1; panel++) {
                        int col = panel * NR;
                        int cols = Math.min(NR, n - col);
                        int bBase = panel * kc * NR;
                        for (int r = 0; r < rows; r += MR) {
                            int tileRows = Math.min(MR, rows - r);
                            int cBase = cOff + (i0 + r) * n + col;
                            int aBase = r * kc;
                            if (tileRows == MR && cols == NR) {
                                kernel(kc, packedA, aBase, packedB, bBase, c, cBase, n, load);
                            } else {
                                if (load) {
                                    for (int ii = 0; ii < tileRows; ii++) {
                                        System.arraycopy(c, cBase + ii * n, edge, ii * NR, cols);
                                    }
                                }
                                kernel(kc, packedA, aBase, packedB, bBase, edge, 0, NR, load);
                                for (int ii = 0; ii < tileRows; ii++) {
                                    System.arraycopy(edge, ii * NR, c, cBase + ii * n, cols);
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    private static void checkRange(String name, float[] x, int off, long size) {
        if (off < 0 || off + size > x.length) {
            throw new IllegalArgumentException(name + " needs " + size + " floats from offset " + off
                    + " but holds " + x.length);
        }
    }

    /**
     * Copies panels [from, to) of B's rows p0..p0+kc into {@code kc × NR} blocks, row by row,
     * columns past n set to zero (their results are computed and never stored).
     */
    private static void packB(float[] b, int bOff, Layout layout, int n, int k, int p0, int kc,
                              int from, int to, float[] out) {
        for (int panel = from; panel < to; panel++) {
            int col = panel * NR;
            int cols = Math.min(NR, n - col);
            int o = panel * kc * NR;
            if (layout == Layout.NORMAL) {
                for (int p = 0; p < kc; p++, o += NR) {
                    int src = bOff + (p0 + p) * n + col;
                    System.arraycopy(b, src, out, o, cols);
                    for (int j = cols; j < NR; j++) {
                        out[o + j] = 0f;
                    }
                }
            } else {
                for (int p = 0; p < kc; p++, o += NR) {
                    int src = bOff + col * k + p0 + p;
                    for (int j = 0; j < cols; j++) {
                        out[o + j] = b[src + j * k];
                    }
                    for (int j = cols; j < NR; j++) {
                        out[o + j] = 0f;
                    }
                }
            }
        }
    }

    /** Copies rows i0..i0+rows, depth p0..p0+kc of A as MR-row micro-panels, k-major. */
    private static void packA(float[] a, int aOff, Layout layout, int m, int k, int i0, int rows,
                              int p0, int kc, float[] out) {
        for (int r = 0; r < rows; r += MR) {
            int tileRows = Math.min(MR, rows - r);
            int o = r * kc;
            if (layout == Layout.NORMAL) {
                for (int ii = 0; ii < tileRows; ii++) {
                    int src = aOff + (i0 + r + ii) * k + p0;
                    for (int p = 0; p < kc; p++) {
                        out[o + p * MR + ii] = a[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(a, aOff + (p0 + p) * m + i0 + r, out, o + p * MR, tileRows);
                }
            }
            for (int ii = tileRows; ii < MR; ii++) {
                for (int p = 0; p < kc; p++) {
                    out[o + p * MR + ii] = 0f;
                }
            }
        }
    }

    /**
     * One MR × NR tile of C: {@code kc} rank-one updates, each element one fused multiply-add per
     * step. Starts from C's values when {@code load}, from zero otherwise.
     */
    private static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff,
                               float[] c, int cOff, int ldc, boolean load) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        if (load) {
            c00 = FloatVector.fromArray(F, c, cOff);
            c01 = FloatVector.fromArray(F, c, cOff + W);
            c10 = FloatVector.fromArray(F, c, cOff + ldc);
            c11 = FloatVector.fromArray(F, c, cOff + ldc + W);
            c20 = FloatVector.fromArray(F, c, cOff + 2 * ldc);
            c21 = FloatVector.fromArray(F, c, cOff + 2 * ldc + W);
            c30 = FloatVector.fromArray(F, c, cOff + 3 * ldc);
            c31 = FloatVector.fromArray(F, c, cOff + 3 * ldc + W);
            c40 = FloatVector.fromArray(F, c, cOff + 4 * ldc);
            c41 = FloatVector.fromArray(F, c, cOff + 4 * ldc + W);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = FloatVector.zero(F);
        }
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + W);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + W);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + W);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + W);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + W);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + W);
    }
}
