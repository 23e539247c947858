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

    /** Rows of A packed at a time when C is wide (a multiple of {@link #MR}). */
    static final int MC = 24 * MR;
    /** Column panels per row from which packing A pays for itself. */
    static final int PACK_A_FROM_PANELS = 4;

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
        int rowTiles = (m + MR - 1) / MR;
        int threads = pool.threads();
        // One dispatch per product: each work item is a block of rows times a block of column
        // panels, and runs every depth block itself. Columns are split first (B's panels are then
        // packed once); rows as well when there are too few panels for the threads.
        int columnChunks = Math.min(panels, 2 * threads);
        int rowChunks = Math.min(rowTiles, Math.max(1, (2 * threads + columnChunks - 1) / columnChunks));
        int items = rowChunks * columnChunks;
        pool.parallelFor(items, 1, (from, to) -> {
            Scratch scratch = SCRATCH.get();
            for (int item = from; item < to; item++) {
                int rc = item / columnChunks;
                int chunk = item % columnChunks;
                int r0 = (int) ((long) rowTiles * rc / rowChunks) * MR;
                int r1 = Math.min(m, (int) ((long) rowTiles * (rc + 1) / rowChunks) * MR);
                int j0 = (int) ((long) panels * chunk / columnChunks);
                int j1 = (int) ((long) panels * (chunk + 1) / columnChunks);
                Operands o = new Operands(m, n, k, a, aOff, aLayout, b, bOff, bLayout, c, cOff, accumulate);
                if (j1 - j0 >= PACK_A_FROM_PANELS) {
                    packedRows(o, r0, r1, j0, j1, scratch);
                } else {
                    directRows(o, r0, r1, j0, j1, scratch);
                }
            }
        });
    }

    private record Operands(int m, int n, int k, float[] a, int aOff, Layout aLayout,
                            float[] b, int bOff, Layout bLayout, float[] c, int cOff, boolean accumulate) {
    }

    /** A thread's packing buffers. */
    private static final class Scratch {
        /** Room for the panels of one depth block: one in {@link #packedRows}, all of a narrow C's in {@link #directRows}. */
        final float[] panelB = new float[PACK_A_FROM_PANELS * KC * NR];
        final float[][] panelSource = new float[PACK_A_FROM_PANELS][];
        final int[] panelOffset = new int[PACK_A_FROM_PANELS];
        final int[] panelStep = new int[PACK_A_FROM_PANELS];
        final int[] panelColumns = new int[PACK_A_FROM_PANELS];
        final float[] blockA = new float[MC * KC];
        final float[] edgeTile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Many panels per row: A is packed a block of {@link #MC} rows at a time (it is then read
     * once per panel from the second-level cache, in the order the kernel wants), B a panel at a
     * time.
     */
    private static void packedRows(Operands o, int r0, int r1, int j0, int j1, Scratch s) {
        for (int pc = 0; pc < o.k; pc += KC) {
            int kc = Math.min(KC, o.k - pc);
            boolean load = o.accumulate || pc > 0;
            for (int i0 = r0; i0 < r1; i0 += MC) {
                int rows = Math.min(MC, r1 - i0);
                packA(o.a, o.aOff, o.aLayout, o.m, o.k, i0, rows, pc, kc, s.blockA);
                for (int panel = j0; panel < j1; panel++) {
                    int col = panel * NR;
                    boolean inPlace = readBInPlace(o, kc, col);
                    float[] bp = inPlace ? o.b : s.panelB;
                    int bOff = inPlace ? o.bOff + pc * o.n + col : 0;
                    int bStep = inPlace ? o.n : NR;
                    int cols = inPlace ? NR : packB(o, pc, kc, panel, s.panelB);
                    for (int r = 0; r < rows; r += MR) {
                        tile(o, kc, s.blockA, r * kc, 1, MR, bp, bOff, bStep, i0 + r, Math.min(MR, rows - r),
                                col, cols, load, s);
                    }
                }
            }
        }
    }

    /**
     * Few panels per row (a narrow C): packing A would cost as much as the product, so full row
     * tiles of A are read where they lie; only the last, partial tile is copied. Every panel of
     * the depth block is made ready first and each row tile then runs against all of them, so A,
     * the large operand here (the patch matrix of a convolution), streams from memory once per
     * depth block rather than once per panel.
     */
    private static void directRows(Operands o, int r0, int r1, int j0, int j1, Scratch s) {
        int panels = j1 - j0;
        float[][] bp = s.panelSource;
        int[] bOff = s.panelOffset;
        int[] bStep = s.panelStep;
        int[] cols = s.panelColumns;
        boolean normal = o.aLayout == Layout.NORMAL;
        for (int pc = 0; pc < o.k; pc += KC) {
            int kc = Math.min(KC, o.k - pc);
            boolean load = o.accumulate || pc > 0;
            for (int q = 0; q < panels; q++) {
                int col = (j0 + q) * NR;
                if (readBInPlace(o, kc, col)) {
                    bp[q] = o.b;
                    bOff[q] = o.bOff + pc * o.n + col;
                    bStep[q] = o.n;
                    cols[q] = NR;
                } else {
                    bp[q] = s.panelB;
                    bOff[q] = q * KC * NR;
                    bStep[q] = NR;
                    cols[q] = Math.min(NR, o.n - col);
                    packB(o.b, o.bOff, o.bLayout, o.n, o.k, pc, kc, col, cols[q], s.panelB, bOff[q]);
                }
            }
            for (int i = r0; i < r1; i += MR) {
                int tileRows = Math.min(MR, r1 - i);
                float[] a = o.a;
                int aBase = normal ? o.aOff + i * o.k + pc : o.aOff + pc * o.m + i;
                int aRow = normal ? o.k : 1;
                int aStep = normal ? 1 : o.m;
                if (tileRows < MR) {
                    packA(o.a, o.aOff, o.aLayout, o.m, o.k, i, tileRows, pc, kc, s.blockA);
                    a = s.blockA;
                    aBase = 0;
                    aRow = 1;
                    aStep = MR;
                }
                for (int q = 0; q < panels; q++) {
                    tile(o, kc, a, aBase, aRow, aStep, bp[q], bOff[q], bStep[q], i, tileRows, (j0 + q) * NR, cols[q],
                            load, s);
                }
            }
        }
    }

    /**
     * Whether the panel of B at column {@code col} is read where it lies rather than packed: a
     * full panel of a row-major B whose kc rows span little memory (rows n apart; wider spans
     * cost more in cache and TLB misses than the copy). Copying such a panel costs as much as the
     * few tiles a narrow or short product runs on it.
     */
    private static boolean readBInPlace(Operands o, int kc, int col) {
        return o.bLayout == Layout.NORMAL && col + NR <= o.n && (long) kc * o.n <= IN_PLACE_SPAN;
    }

    /** Floats that kc rows of B may span for {@link #readBInPlace} (64 KB). */
    static final int IN_PLACE_SPAN = 16 * 1024;

    /** Runs the kernel on one tile of C, through a scratch tile when the tile is partial. */
    private static void tile(Operands o, int kc, float[] ap, int aBase, int aRow, int aStep, float[] bp,
                             int bOff, int bStep, int row, int tileRows, int col, int cols, boolean load, Scratch s) {
        int n = o.n;
        int cBase = o.cOff + row * n + col;
        if (tileRows == MR && cols == NR) {
            kernel(kc, ap, aBase, aRow, aStep, bp, bOff, bStep, o.c, cBase, n, load);
            return;
        }
        float[] edge = s.edgeTile;
        if (load) {
            for (int ii = 0; ii < tileRows; ii++) {
                System.arraycopy(o.c, cBase + ii * n, edge, ii * NR, cols);
            }
        }
        kernel(kc, ap, aBase, aRow, aStep, bp, bOff, bStep, edge, 0, NR, load);
        for (int ii = 0; ii < tileRows; ii++) {
            System.arraycopy(edge, ii * NR, o.c, cBase + ii * n, cols);
        }
    }

    private static int packB(Operands o, int pc, int kc, int panel, float[] out) {
        int col = panel * NR;
        int cols = Math.min(NR, o.n - col);
        packB(o.b, o.bOff, o.bLayout, o.n, o.k, pc, kc, col, cols, out, 0);
        return cols;
    }

    private static void checkRange(String name, float[] x, int off, long size) {
        if (off < 0 || off + size > x.length) {
            throw new IllegalArgumentException(name + " needs " + size + " floats from offset " + off
                    + " but holds " + x.length);
        }
    }

    /**
     * Copies the panel of B's columns col..col+cols, rows p0..p0+kc, into a {@code kc × NR} block at
     * {@code outOff},
     * row by row, columns past n set to zero (their results are computed and never stored).
     */
    private static void packB(float[] b, int bOff, Layout layout, int n, int k, int p0, int kc,
                              int col, int cols, float[] out, int outOff) {
        int o = outOff;
        if (layout == Layout.NORMAL) {
            for (int p = 0; p < kc; p++, o += NR) {
                System.arraycopy(b, bOff + (p0 + p) * n + col, out, o, cols);
                for (int j = cols; j < NR; j++) {
                    out[o + j] = 0f;
                }
            }
        } else {
            int src = bOff + col * k + p0;
            for (int j = 0; j < cols; j++) {
                int s = src + j * k;
                for (int p = 0; p < kc; p++) {
                    out[o + p * NR + j] = b[s + p];
                }
            }
            for (int p = 0; p < kc; p++) {
                for (int j = cols; j < NR; j++) {
                    out[o + p * NR + j] = 0f;
                }
            }
        }
    }

    /**
     * Copies rows i0..i0+rows, depth p0..p0+kc of A as MR-row micro-panels, each k-major (element
     * (ii, p) of micro-panel r at r·kc + p·MR + ii), rows past the end set to zero.
     */
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
    private static void kernel(int kc, float[] ap, int aOff, int aRow, int aStep, float[] bp, int bOff, int bStep,
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
        int a1 = aRow;
        int a2 = 2 * aRow;
        int a3 = 3 * aRow;
        int a4 = 4 * aRow;
        for (int p = 0; p < kc; p++, ai += aStep, bi += bStep) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + W);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, ap[ai + a1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, ap[ai + a2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, ap[ai + a3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, ap[ai + a4]);
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
