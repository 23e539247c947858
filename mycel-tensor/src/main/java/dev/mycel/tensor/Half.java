package dev.mycel.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IEEE half precision (fp16) and bfloat16 conversions, scalar and vector, all exact.
 *
 * <p>The Vector API has no half-float conversion, so {@link #toFloats} rebuilds the float bits
 * with integer operations and one exact multiplication by 2^112, which yields exactly
 * {@link Float#float16ToFloat} for every input, subnormals, infinities and NaNs included.
 */
public final class Half {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Short> S = shortSpecies();
    private static final float TWO_POW_112 = 0x1p112f;

    private Half() {
    }

    private static VectorSpecies<Short> shortSpecies() {
        // One short lane per float lane (Lanes guarantees at least 4 float lanes).
        return switch (Lanes.WIDTH) {
            case 16 -> ShortVector.SPECIES_256;
            case 8 -> ShortVector.SPECIES_128;
            default -> ShortVector.SPECIES_64;
        };
    }

    public static float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Rounds to the nearest fp16 value (ties to even) and back: what an fp16 store keeps. */
    public static float roundToHalf(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    public static short fromFloat(float x) {
        return Float.floatToFloat16(x);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds a float to bfloat16 (nearest, ties to even; NaN stays NaN). */
    public static short floatToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /**
     * Loads {@link Lanes#WIDTH} fp16 values from {@code seg} at byte offset {@code off} and
     * converts them to floats.
     */
    static FloatVector toFloats(java.lang.foreign.MemorySegment seg, long off) {
        return bitsToFloats(loadShorts(seg, off));
    }

    /** Loads {@link Lanes#WIDTH} 16-bit values, sign-extended into int lanes. */
    private static IntVector loadShorts(java.lang.foreign.MemorySegment seg, long off) {
        return (IntVector) ShortVector.fromMemorySegment(S, seg, off, java.nio.ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
    }

    /** Converts fp16 bit patterns held in the low 16 bits of int lanes. */
    static FloatVector bitsToFloats(IntVector h) {
        IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        FloatVector scaled = magnitude.reinterpretAsFloats().mul(TWO_POW_112);
        VectorMask<Integer> special = h.and(0x7c00).eq(0x7c00);
        IntVector bits = scaled.reinterpretAsInts();
        // Infinity and NaN: exponent all ones, mantissa kept.
        bits = bits.blend(magnitude.or(0x7f800000), special);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** Loads {@link Lanes#WIDTH} bfloat16 values and converts them to floats. */
    static FloatVector bf16ToFloats(java.lang.foreign.MemorySegment seg, long off) {
        return loadShorts(seg, off).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
