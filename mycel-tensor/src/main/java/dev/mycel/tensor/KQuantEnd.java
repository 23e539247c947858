package dev.mycel.tensor;

import static dev.mycel.tensor.QuantizedMatrix.F;
import static dev.mycel.tensor.QuantizedMatrix.I;
import static dev.mycel.tensor.QuantizedMatrix.LE;
import static dev.mycel.tensor.QuantizedMatrix.ROWS;
import static dev.mycel.tensor.QuantizedMatrix.ROW_BYTES;
import static dev.mycel.tensor.QuantizedMatrix.W;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The end of a K-quant super-block in the kernels: the float steps that follow the exact
 * integer sums (see {@link QuantizedMatrix}), for W rows of a tile.
 *
 * <p>The super-block tiles of Q4_K, Q5_K and Q6_K start alike: the 16 rows' {@code d} as floats
 * at {@link #D}, then (Q4_K, Q5_K) their {@code dmin} as floats at {@link #DMIN}, and their
 * decoded mins at {@link #MINS}, one byte per row for each of the 8 sub-blocks. The scales are
 * converted from fp16 when the tiles are built (exactly), which saves the kernels a conversion
 * per super-block and keeps them small: C2 compiles a method in one piece only up to a node
 * count limit, past which it stops inlining and vector operations allocate. The kernels are
 * therefore cut into pieces (sums over part of a super-block, then these ends) with nothing but
 * arrays between them.
 */
final class KQuantEnd {
    /** Offset of the 16 rows' {@code d} (floats) in a super-block tile. */
    static final int D = 0;
    /** Offset of the 16 rows' {@code dmin} (floats). */
    static final int DMIN = 64;
    /** Offset of the decoded scales of Q4_K and Q5_K: sub-block j of row r at {@code 16j + r}. */
    static final int SCALES = 128;
    /** Offset of the decoded mins of Q4_K and Q5_K, laid out as the scales. */
    static final int MINS = 256;
    /** Where the quants of Q4_K and Q5_K tiles start. */
    static final int HEADER = 384;

    private KQuantEnd() {
    }

    /**
     * Q4_K and Q5_K, one token: with {@code S} in {@code s.isum[r0 ..]}, adds
     * {@code fma(float(S), d * dx, acc)} to {@code s.acc} and, from the activation sums of 32
     * {@code sums[m .. m + 8)}, {@code fma(float(-M), dmin * dx, mins)} to {@code s.minAcc}.
     */
    static void withMinsOne(MemorySegment w, long bo, int r0, int[] sums, int m, float dx, QuantizedMatrix.Scratch s) {
        IntVector mins = IntVector.zero(I);
        for (int j = 0; j < 8; j++) {
            IntVector mj = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + MINS + 16 * j + r0, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            mins = mj.mul(sums[m + j]).add(mins);
        }
        FloatVector d = FloatVector.fromMemorySegment(F, w, bo + D + 4 * r0, LE);
        FloatVector dmin = FloatVector.fromMemorySegment(F, w, bo + DMIN + 4 * r0, LE);
        ((FloatVector) IntVector.fromArray(I, s.isum, r0).convert(VectorOperators.I2F, 0))
                .fma(d.mul(dx), FloatVector.fromArray(F, s.acc, r0)).intoArray(s.acc, r0);
        ((FloatVector) mins.neg().convert(VectorOperators.I2F, 0))
                .fma(dmin.mul(dx), FloatVector.fromArray(F, s.minAcc, r0)).intoArray(s.minAcc, r0);
    }

    /**
     * Q4_K and Q5_K, a group of four tokens: as {@link #withMinsOne} for token u with
     * {@code S} in {@code s.isum[16u + r0 ..]}, activation sums at {@code sums[m + 4j + u]} and
     * scale {@code xs[sb + u]}.
     */
    static void withMinsGroup(MemorySegment w, long bo, int r0, int[] sums, int m, float[] xs, int sb,
                              QuantizedMatrix.Scratch s) {
        IntVector n0 = IntVector.zero(I);
        IntVector n1 = n0;
        IntVector n2 = n0;
        IntVector n3 = n0;
        for (int j = 0; j < 8; j++) {
            IntVector mj = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + MINS + 16 * j + r0, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            int e = m + 4 * j;
            n0 = mj.mul(sums[e]).add(n0);
            n1 = mj.mul(sums[e + 1]).add(n1);
            n2 = mj.mul(sums[e + 2]).add(n2);
            n3 = mj.mul(sums[e + 3]).add(n3);
        }
        FloatVector dmin = FloatVector.fromMemorySegment(F, w, bo + DMIN + 4 * r0, LE);
        float[] minAcc = s.minAcc;
        ((FloatVector) n0.neg().convert(VectorOperators.I2F, 0))
                .fma(dmin.mul(xs[sb]), FloatVector.fromArray(F, minAcc, r0)).intoArray(minAcc, r0);
        ((FloatVector) n1.neg().convert(VectorOperators.I2F, 0))
                .fma(dmin.mul(xs[sb + 1]), FloatVector.fromArray(F, minAcc, ROWS + r0)).intoArray(minAcc, ROWS + r0);
        ((FloatVector) n2.neg().convert(VectorOperators.I2F, 0))
                .fma(dmin.mul(xs[sb + 2]), FloatVector.fromArray(F, minAcc, 2 * ROWS + r0)).intoArray(minAcc, 2 * ROWS + r0);
        ((FloatVector) n3.neg().convert(VectorOperators.I2F, 0))
                .fma(dmin.mul(xs[sb + 3]), FloatVector.fromArray(F, minAcc, 3 * ROWS + r0)).intoArray(minAcc, 3 * ROWS + r0);
        scaledGroup(w, bo, r0, xs, sb, s);
    }

    /** Q6_K, one token: {@code fma(float(S), d * dx, acc)} with {@code S} in {@code s.isum[r0 ..]}. */
    static void scaledOne(MemorySegment w, long bo, int r0, float dx, QuantizedMatrix.Scratch s) {
        FloatVector d = FloatVector.fromMemorySegment(F, w, bo + D + 4 * r0, LE);
        ((FloatVector) IntVector.fromArray(I, s.isum, r0).convert(VectorOperators.I2F, 0))
                .fma(d.mul(dx), FloatVector.fromArray(F, s.acc, r0)).intoArray(s.acc, r0);
    }

    /** As {@link #scaledOne} for the four tokens of a group, token u with scale {@code xs[sb + u]}. */
    static void scaledGroup(MemorySegment w, long bo, int r0, float[] xs, int sb, QuantizedMatrix.Scratch s) {
        FloatVector d = FloatVector.fromMemorySegment(F, w, bo + D + 4 * r0, LE);
        for (int u = 0; u < 4; u++) {
            int o = u * ROWS + r0;
            ((FloatVector) IntVector.fromArray(I, s.isum, o).convert(VectorOperators.I2F, 0))
                    .fma(d.mul(xs[sb + u]), FloatVector.fromArray(F, s.acc, o))
                    .intoArray(s.acc, o);
        }
    }

    /** Adds the mins accumulators into the results, {@code acc + mins}, for W rows of token group slot u. */
    static void addMins(QuantizedMatrix.Scratch s, int o) {
        for (int i = o; i < o + W; i++) {
            s.acc[i] += s.minAcc[i];
        }
    }

    /** Writes the 16 rows' fp16 value at {@code srcOff} of each row as floats at {@code dst[dstOff + 4r]}. */
    static void halvesAsFloats(byte[] src, int rowBytes, int srcOff, byte[] dst, int dstOff) {
        for (int r = 0; r < ROWS; r++) {
            int o = r * rowBytes + srcOff;
            int bits = Float.floatToRawIntBits(Float.float16ToFloat((short) ((src[o] & 0xff) | (src[o + 1] & 0xff) << 8)));
            for (int k = 0; k < 4; k++) {
                dst[dstOff + 4 * r + k] = (byte) (bits >>> (8 * k));
            }
        }
    }
}
