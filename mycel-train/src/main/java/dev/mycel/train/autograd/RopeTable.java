package dev.mycel.train.autograd;

import dev.mycel.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cosines and sines of rotary position embeddings in llama.cpp's "norm" style: the adjacent
 * values (x[2i], x[2i+1]) of each head are rotated by the angle {@code pos·theta^(−2i/headDim)}.
 *
 * <p>The angles are formed exactly as llama.cpp and Mycel's inference engine form them (the
 * position as a float, multiplied pair after pair by {@code (float) theta^(−2/headDim)}), and
 * their cosines and sines come from {@link StrictMath} in double, rounded to float. A model
 * trained with this table therefore rotates by the same bits that inference rotates by, on
 * every machine.
 *
 * <p>The rotations run on whole vectors of adjacent pairs, with the same IEEE operations per
 * element as the scalar formulas they document (a pair's partner comes from swapping adjacent
 * lanes, and subtracting a product is adding the product by the negated sine), so the vector
 * width changes no bit.
 */
public final class RopeTable {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    /** Swaps the two values of every pair (vectors hold an even number of lanes). */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    private final int headDim;
    private final int positions;
    /** The cosine of pair i at position p, at both {@code p·headDim + 2i} and {@code p·headDim + 2i + 1}. */
    private final float[] cos;
    /** The sine of pair i at position p, negated at {@code p·headDim + 2i}, as is at {@code p·headDim + 2i + 1}. */
    private final float[] sin;

    /**
     * @param headDim width of one head (even)
     * @param positions positions covered, 0 .. positions−1 (the context length)
     * @param theta the frequency base, 10000 for Llama 1 and 2
     */
    public RopeTable(int headDim, int positions, float theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even head width, not " + headDim);
        }
        if (positions <= 0) {
            throw new IllegalArgumentException("RoPE needs at least one position, not " + positions);
        }
        if (!(theta > 1f)) {
            throw new IllegalArgumentException("RoPE base must exceed 1, not " + theta);
        }
        this.headDim = headDim;
        this.positions = positions;
        int half = headDim / 2;
        float thetaScale = (float) StrictMath.pow(theta, -2.0 / headDim);
        cos = new float[Math.multiplyExact(positions, headDim)];
        sin = new float[cos.length];
        for (int p = 0; p < positions; p++) {
            float angle = p;
            for (int i = 0; i < half; i++) {
                int at = p * headDim + 2 * i;
                float c = (float) StrictMath.cos(angle);
                float s = (float) StrictMath.sin(angle);
                cos[at] = c;
                cos[at + 1] = c;
                sin[at] = -s;
                sin[at + 1] = s;
                angle *= thetaScale;
            }
        }
    }

    public int headDim() {
        return headDim;
    }

    public int positions() {
        return positions;
    }

    /** The cosine of pair {@code i}'s angle at position {@code pos}. */
    float cos(int pos, int i) {
        return cos[pos * headDim + 2 * i];
    }

    /** The sine of pair {@code i}'s angle at position {@code pos}. */
    float sin(int pos, int i) {
        return sin[pos * headDim + 2 * i + 1];
    }

    /**
     * Writes the head {@code x[from ..]} rotated for position {@code pos} to {@code to[at ..]}:
     * each pair (x0, x1) becomes {@code (x0·cos − x1·sin, x0·sin + x1·cos)}.
     */
    void rotate(float[] x, int from, float[] to, int at, int pos) {
        int base = pos * headDim;
        int e = 0;
        for (int bound = F.loopBound(headDim); e < bound; e += W) {
            FloatVector xv = FloatVector.fromArray(F, x, from + e);
            FloatVector c = FloatVector.fromArray(F, cos, base + e);
            FloatVector s = FloatVector.fromArray(F, sin, base + e);
            xv.mul(c).add(xv.rearrange(SWAP_PAIRS).mul(s)).intoArray(to, at + e);
        }
        for (; e < headDim; e++) {
            to[at + e] = x[from + e] * cos[base + e] + x[from + (e ^ 1)] * sin[base + e];
        }
    }

    /**
     * Adds the gradient of a head before rotation, given {@code dy[from ..]} after it, into
     * {@code dx[at ..]}: the rotation's transpose, by the same angle backwards, each pair
     * (d0, d1) adding {@code (d0·cos + d1·sin, d1·cos − d0·sin)}.
     */
    void addRotatedBack(float[] dy, int from, float[] dx, int at, int pos) {
        int base = pos * headDim;
        int e = 0;
        for (int bound = F.loopBound(headDim); e < bound; e += W) {
            FloatVector d = FloatVector.fromArray(F, dy, from + e);
            FloatVector c = FloatVector.fromArray(F, cos, base + e);
            FloatVector s = FloatVector.fromArray(F, sin, base + e);
            FloatVector back = d.mul(c).sub(d.rearrange(SWAP_PAIRS).mul(s));
            FloatVector.fromArray(F, dx, at + e).add(back).intoArray(dx, at + e);
        }
        for (; e < headDim; e++) {
            dx[at + e] += dy[from + e] * cos[base + e] - dy[from + (e ^ 1)] * sin[base + e];
        }
    }
}
