package dev.mycel.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fixed virtual-lane layout of Mycel's float reductions, and the hardware vector width.
 *
 * <p>A float sum over n values (dense F32/F16/BF16 products, attention, norms) is computed as
 * {@link #COUNT} independent partial sums: value i goes to virtual lane {@code i % COUNT}, each
 * lane accumulates in increasing index order, and the lanes are combined by
 * {@link #reduce(float[])} in one fixed tree. Hardware vectors of any width (4, 8 or 16 floats)
 * just process a subset of the virtual lanes, so the rounding of every lane, and therefore the
 * result, is the same bits on SSE, AVX2, AVX-512 and in the scalar reference. Work is split
 * among threads by output element, never by partial sums.
 *
 * <p>Quantized products need no virtual lanes: each block's sum is an exact integer, and the
 * blocks are added in order with one fused multiply-add each (see {@link QuantizedMatrix}).
 * Their kernels use {@link #WIDTH} for the number of rows a vector holds.
 */
public final class Lanes {
    /** Number of virtual lanes: the widest float vector on common hardware (AVX-512). */
    public static final int COUNT = 16;

    /**
     * The float species the kernels use: the hardware's preferred one, or a narrower one when
     * the system property {@code mycel.vectorBits} asks for it (to test vector-width independence
     * inside one JVM). Never wider than {@link #COUNT} lanes.
     */
    public static final VectorSpecies<Float> FLOATS = chooseSpecies();

    /** Hardware lanes per vector. */
    public static final int WIDTH = FLOATS.length();

    /** Passes of one hardware vector over the virtual lanes (1 on AVX-512, 2 on AVX2). */
    public static final int GROUPS = COUNT / WIDTH;

    private Lanes() {
    }

    private static VectorSpecies<Float> chooseSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        String asked = System.getProperty("mycel.vectorBits");
        if (asked != null) {
            int bits = Integer.parseInt(asked.trim());
            VectorSpecies<Float> s = switch (bits) {
                case 64 -> FloatVector.SPECIES_64;
                case 128 -> FloatVector.SPECIES_128;
                case 256 -> FloatVector.SPECIES_256;
                case 512 -> FloatVector.SPECIES_512;
                default -> throw new IllegalArgumentException(
                        "mycel.vectorBits must be 64, 128, 256 or 512, not " + bits);
            };
            if (s.length() <= preferred.length()) {
                preferred = s;
            }
        }
        if (preferred.length() > COUNT) {
            preferred = FloatVector.SPECIES_512;
        }
        if (preferred.length() < 4) {
            // Narrower vectors are not worth a code path; the Vector API runs 128-bit ones anyway.
            preferred = FloatVector.SPECIES_128;
        }
        return preferred;
    }

    /**
     * Combines {@link #COUNT} partial sums in the one fixed order: a pairwise tree
     * (lane i with lane i + 8, then i + 4, i + 2, i + 1). Overwrites {@code lanes}.
     */
    /**
     * The same tree as {@link #reduce(float[])} over one vector that holds all {@link #COUNT}
     * lanes (only when {@link #WIDTH} is {@link #COUNT}), in registers: each step adds lane
     * i + step to lane i with a lane rotation, so every lane sum has the operands it has in the
     * array version, and the result is the same bits without a trip through memory.
     */
    static float reduce(FloatVector all) {
        FloatVector v = all.add(all.rearrange(ROTATE_8));
        v = v.add(v.rearrange(ROTATE_4));
        v = v.add(v.rearrange(ROTATE_2));
        v = v.add(v.rearrange(ROTATE_1));
        return v.lane(0);
    }

    private static final VectorShuffle<Float> ROTATE_8 = rotation(8);
    private static final VectorShuffle<Float> ROTATE_4 = rotation(4);
    private static final VectorShuffle<Float> ROTATE_2 = rotation(2);
    private static final VectorShuffle<Float> ROTATE_1 = rotation(1);

    /** Lane i takes lane (i + by) mod the width. */
    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(FLOATS, i -> (i + by) % FLOATS.length());
    }

    public static float reduce(float[] lanes) {
        for (int step = COUNT / 2; step >= 1; step >>= 1) {
            for (int i = 0; i < step; i++) {
                lanes[i] += lanes[i + step];
            }
        }
        return lanes[0];
    }

    /** Same tree as {@link #reduce(float[])} over lanes stored at {@code lanes[off..off+16)}. */
    public static float reduce(float[] lanes, int off) {
        for (int step = COUNT / 2; step >= 1; step >>= 1) {
            for (int i = 0; i < step; i++) {
                lanes[off + i] += lanes[off + i + step];
            }
        }
        return lanes[off];
    }
}
