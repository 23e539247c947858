package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix of quantized blocks (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K), multiplied with activations
 * quantized as llama.cpp quantizes them ({@link PreparedActivations}).
 *
 * <h2>What is computed</h2>
 * For each output (row, token), with the blocks of the row taken in order and {@code acc = 0}:
 * <ul>
 *   <li>Q8_0 and Q4_0 (blocks of 32): {@code isum = sum_i q_i x_i}, an exact integer, then
 *       {@code acc = fma(float(isum), d_w * d_x, acc)}, where {@code d_w * d_x} is the float
 *       product of the block's weight scale and activation scale. The result is {@code acc}.
 *   <li>Q4_K and Q5_K (super-blocks of 256 in 8 sub-blocks of 32, with 6-bit scales
 *       {@code sc_j} and mins {@code m_j}): the exact integers {@code S = sum_j sc_j * sum_(i in j)
 *       q_i x_i} and {@code M = sum_j m_j * sum_(i in j) x_i}, then
 *       {@code acc = fma(float(S), d * d_x, acc)} and, in a second accumulator that also starts
 *       at 0, {@code mins = fma(float(-M), dmin * d_x, mins)}. The result is {@code acc + mins}.
 *       Keeping the mins apart until the end is what ggml's vector kernels do; measured on
 *       llama.cpp's own matmul inputs and outputs ({@code testdata/golden/kquants}), it gave
 *       llama.cpp's exact float about twice as often as folding them into {@code acc}.
 *   <li>Q6_K (super-blocks of 256 in 16 sub-blocks of 16, signed 8-bit scales):
 *       {@code S = sum_j sc_j * sum_(i in j) (q_i - 32) x_i}, then
 *       {@code acc = fma(float(S), d * d_x, acc)}. The result is {@code acc}.
 * </ul>
 * Integers are exact in any order of summation, so only the float steps fix the bits, and they
 * are the same for every vector width, thread count and batch split. This is ggml's reference
 * formula: its vector kernels also sum each block exactly in integers, which is why the results
 * stay close to llama.cpp's. Each type's class proves that its integer sums fit the 16- and
 * 32-bit lanes they are formed in, using that activations lie in [-127, 127].
 *
 * <h2>Tiles</h2>
 * The kernels do not read the file's block layout. On the first multiplication the rows are
 * copied, 16 at a time, into <em>tiles</em>: for each block, the 16 rows' scales side by side
 * (fp16 for Q8_0 and Q4_0, whose blocks are small, so that 2 more bytes per block cost more in
 * memory traffic than converting does: floats made tg slower; floats for the K-quants, where
 * they cost 1 to 3% more memory and made Q6_K 11% faster), decoded sub-block scales, then the
 * quant bytes interleaved so that one vector load brings the same
 * bytes of 16 rows (or of {@link #W} rows, on narrower hardware). The last tile is padded with
 * zero rows. Tiles live in {@link TileMemory}, freed with the arena given to
 * {@link WeightMatrix#of(GgmlType, MemorySegment, int, int, Arena)}. Quant
 * bytes are stored in <em>pairs</em>: bytes 2k and 2k + 1 of a row's block sit together, the
 * 16 rows one after another, 32 bytes per pair. Widened to 16-bit lanes, such a pair step holds
 * (row, value 2k), (row, value 2k + 1) for each row, which multiplies lane by lane with
 * {@link PreparedActivations}' pairs broadcast to every 32-bit lane; read back as 32-bit lanes,
 * each lane then holds one row's two products. Summing the two halves of every 32-bit lane at the
 * end of a block yields one integer per row, in row order.
 *
 * <p>Tiles are a function of the bytes alone and change no result; the original bytes stay
 * where they were, for {@link #dequantizeRow}. When those bytes are a file mapping, the pages
 * read for the tiles are released again ({@link MemorySegment#unload}) as soon as a stretch of
 * rows is done, so that building tiles does not keep the file resident twice.
 *
 * <h2>Kernels</h2>
 * Each type has a kernel for one token and one for a group of {@link PreparedActivations#GROUP}
 * tokens that shares every decoded weight vector among them (prompt processing). Both give
 * the same bits for a token. A kernel loops over W-row passes of a tile and over its blocks;
 * vectors that would live across a loop holding another loop are kept in {@link Scratch}
 * arrays instead, and large kernels are cut into methods with only arrays between them, since
 * C2 may box vectors in either case.
 */
abstract class QuantizedMatrix extends WeightMatrix {
    /** Rows per tile. */
    static final int ROWS = 16;
    /** Float lanes of the hardware vectors: rows computed at once. */
    static final int W = Lanes.WIDTH;
    /** Passes of W rows that cover a tile. */
    static final int PASSES = ROWS / W;
    static final VectorSpecies<Float> F = Lanes.FLOATS;
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** 2W short lanes: W rows times the two values of a pair. */
    static final VectorSpecies<Short> S = F.withLanes(short.class);
    /** The 2W bytes of one pair step for W rows. */
    static final VectorSpecies<Byte> PAIR_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(W * 16));
    /**
     * At least W bytes, one per row (sub-block scales): W bytes, or 8 of which the first 4 are
     * used when W is 4, since the Vector API has no 32-bit vectors.
     */
    static final VectorSpecies<Byte> ROW_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, W * 8)));
    /** W fp16 values. */
    static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(W * 16));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Each thread's kernel scratch: a dispatch calls the kernels for many chunks of rows. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** Bytes past the last tile, so that the 8-byte loads of {@link #ROW_BYTES} never leave it. */
    private static final int SLACK = 64;
    /** Source bytes repacked per task, and released together. */
    private static final long REPACK_CHUNK = 4 << 20;
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    /** Bytes of one tile: 16 rows of all blocks. */
    final long tileBytes;
    /** Blocks (or super-blocks) per row. */
    final int blocks;
    private volatile MemorySegment tiles;

    QuantizedMatrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols);
        this.arena = arena;
        this.blocks = cols / type().blockSize();
        this.tileBytes = (long) blocks * tileBlockBytes();
    }

    /** Bytes of one block of a tile (16 rows' worth). */
    abstract int tileBlockBytes();

    /**
     * Where the tile block keeps bytes {@code 2k} and {@code 2k + 1} of a row's block in the file:
     * the offset of row 0's pair (row r's is {@code 2r} further on), or -1 for bytes that
     * {@link #repackScales} writes instead.
     */
    abstract int pairTarget(int k);

    /**
     * Writes the parts of a tile block that are not pairs of file bytes (decoded sub-block
     * scales): block {@code srcBlock} (byte offset in a row) of the 16 rows in {@code src}, row r
     * at {@code r * rowBytes}, into the tile block at {@code dst[dstOff ..)}.
     */
    void repackScales(byte[] src, int rowBytes, int srcBlock, byte[] dst, int dstOff) {
    }

    /**
     * The 16 results of one token: {@code s.acc[0 .. 16)} = dot products of the tile at byte
     * {@code tile} of {@code w} with token {@code t}. Token t is one of the tokens after the
     * last full group of {@link PreparedActivations#GROUP}, stored plainly.
     */
    abstract void multiplyOne(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s);

    /**
     * The results of the group of {@link PreparedActivations#GROUP} tokens starting at
     * {@code t}: {@code s.acc[16 u .. 16 u + 16)} for token {@code t + u}, bit for bit what
     * {@link #multiplyOne} gives each token.
     */
    abstract void multiplyGroup(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s);

    @Override
    final void multiplyRows(PreparedActivations x, float[] out, int outStride, int from, int to) {
        MemorySegment w = tiles();
        int tokens = x.rows();
        int group = PreparedActivations.GROUP;
        int grouped = tokens - tokens % group;
        Scratch s = SCRATCH.get();
        float[] acc = s.acc;
        // Large batches of types with a float batch kernel: the grouped tokens there, the rest here.
        boolean floats = this instanceof FloatBatchKernel.Dequantizer && x.quantFloats() != null;
        if (floats) {
            FloatBatchKernel.multiply(this, (FloatBatchKernel.Dequantizer) this, w, x, out, outStride, from, to);
        }
        for (int first = from - from % ROWS; first < to; first += ROWS) {
            long tile = (long) (first / ROWS) * tileBytes;
            int lo = Math.max(from, first);
            int n = Math.min(to, first + ROWS) - lo;
            for (int t = 0; !floats && t < grouped; t += group) {
                multiplyGroup(w, tile, x, t, s);
                for (int u = 0; u < group; u++) {
                    System.arraycopy(acc, u * ROWS + lo - first, out, (t + u) * outStride + lo, n);
                }
            }
            for (int t = grouped; t < tokens; t++) {
                multiplyOne(w, tile, x, t, s);
                System.arraycopy(acc, lo - first, out, t * outStride + lo, n);
            }
        }
    }

    /**
     * Arrays a kernel works in. Vectors that live across a loop holding another loop are kept
     * in these arrays between iterations (C2 may otherwise box them on the heap), and per-row
     * scales are converted into them.
     */
    static final class Scratch {
        /** Results: 16 per token of a group. */
        final float[] acc = new float[ROWS * PreparedActivations.GROUP];
        /** The mins terms of Q4_K and Q5_K, summed apart from {@link #acc} until the end. */
        final float[] minAcc = new float[ROWS * PreparedActivations.GROUP];
        /** Integer super-block sums of K-quants: 16 per token of a group. */
        final int[] isum = new int[ROWS * PreparedActivations.GROUP];
        /** Converted per-row scales: {@code d} at 0, {@code dmin} at {@code ROWS}. */
        final float[] scales = new float[2 * ROWS];
    }

    /** The tiles, built on first use. */
    private MemorySegment tiles() {
        MemorySegment t = tiles;
        if (t == null) {
            synchronized (this) {
                t = tiles;
                if (t == null) {
                    t = repack();
                    tiles = t;
                }
            }
        }
        return t;
    }

    /** Copies all rows into tiles, stretches of rows in parallel. */
    private MemorySegment repack() {
        int tileCount = (rows + ROWS - 1) / ROWS;
        MemorySegment dst = TileMemory.allocate(arena, tileCount * tileBytes + SLACK);
        int perTask = (int) Math.max(1, REPACK_CHUNK / (ROWS * rowBytes));
        int tasks = (tileCount + perTask - 1) / perTask;
        IntStream.range(0, tasks).parallel().forEach(k ->
                repackTiles(dst, k * perTask, Math.min(tileCount, (k + 1) * perTask)));
        return dst;
    }

    /**
     * Repacks tiles {@code firstTile .. endTile}. Most of a tile is pairs of file bytes moved as
     * they are, which one loop over the pairs of a row does with a map of where each pair goes
     * (the 16 rows' pairs side by side): simple loops are what the JIT compiles early and well,
     * and this runs before it has seen much else. Unmapped pairs go to a dump slot past the tile.
     */
    private void repackTiles(MemorySegment dst, int firstTile, int endTile) {
        int rb = Math.toIntExact(rowBytes);
        int tb = Math.toIntExact(tileBytes);
        int[] map = rowMap(tb);
        byte[] src = new byte[ROWS * rb];
        byte[] tile = new byte[tb + 2 * ROWS];
        int blockBytes = type().bytesPerBlock();
        int tbb = tileBlockBytes();
        for (int t = firstTile; t < endTile; t++) {
            int r0 = t * ROWS;
            int n = Math.min(ROWS, rows - r0);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, r0 * rowBytes, src, 0, n * rb);
            if (n < ROWS) {
                Arrays.fill(src, n * rb, src.length, (byte) 0);
            }
            for (int k = 0; k < map.length; k++) {
                int m = map[k];
                for (int r = 0; r < ROWS; r++) {
                    SHORTS.set(tile, m + 2 * r, (short) SHORTS.get(src, r * rb + 2 * k));
                }
            }
            for (int b = 0; b < blocks; b++) {
                repackScales(src, rb, b * blockBytes, tile, b * tbb);
            }
            MemorySegment.copy(tile, 0, dst, ValueLayout.JAVA_BYTE, t * tileBytes, tb);
        }
        if (data.isMapped()) {
            long start = firstTile * ROWS * rowBytes;
            long end = Math.min(rows, endTile * ROWS) * rowBytes;
            data.asSlice(start, end - start).unload();
        }
    }

    /** For each pair of bytes of a row, where row 0's pair goes in the tile; {@code dump} if nowhere. */
    private int[] rowMap(int dump) {
        int perBlock = type().bytesPerBlock() / 2;
        int[] map = new int[blocks * perBlock];
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < perBlock; k++) {
                int target = pairTarget(k);
                map[b * perBlock + k] = target < 0 ? dump : b * tileBlockBytes() + target;
            }
        }
        return map;
    }

    /**
     * Interleaves {@code bytes} single bytes of each of the 16 rows: byte j of row r goes to
     * {@code dst[dstOff + 16j + r]}.
     */
    static void interleaveBytes(byte[] src, int rowBytes, int srcOff, int bytes, byte[] dst, int dstOff) {
        for (int r = 0; r < ROWS; r++) {
            int s = r * rowBytes + srcOff;
            for (int j = 0; j < bytes; j++) {
                dst[dstOff + 16 * j + r] = src[s + j];
            }
        }
    }

    /**
     * Converts the W fp16 values at {@code off} exactly into {@code dst[dstOff .. dstOff + W)}
     * (as {@link Half#bitsToFloats}). The vectors stay inside: kernels read the floats back from
     * the array, so nothing is boxed if this call is not inlined.
     */
    static void halvesToFloats(MemorySegment w, long off, float[] dst, int dstOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, w, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector bits = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = h.and(0x7c00).eq(0x7c00);
        bits = bits.blend(magnitude.or(0x7f800000), special);
        bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, dstOff);
    }

    /** Zeroes {@code acc[off .. off + W)}. */
    static void zero(float[] acc, int off) {
        FloatVector.zero(F).intoArray(acc, off);
    }
}
