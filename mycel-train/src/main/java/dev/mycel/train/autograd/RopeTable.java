package dev.mycel.train.autograd;

/**
 * Cosines and sines of rotary position embeddings in llama.cpp's "norm" style: the adjacent
 * values (x[2i], x[2i+1]) of each head are rotated by the angle {@code pos·theta^(−2i/headDim)}.
 *
 * <p>The angles are formed exactly as llama.cpp and Mycel's inference engine form them (the
 * position as a float, multiplied pair after pair by {@code (float) theta^(−2/headDim)}), and
 * their cosines and sines come from {@link StrictMath} in double, rounded to float. A model
 * trained with this table therefore rotates by the same bits that inference rotates by, on
 * every machine.
 */
public final class RopeTable {
    private final int headDim;
    private final int positions;
    /** (cos, sin) of pair i at position p at {@code [(p·headDim/2 + i)·2]}. */
    private final float[] cs;

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
        cs = new float[Math.multiplyExact(positions, headDim)];
        for (int p = 0; p < positions; p++) {
            float angle = p;
            for (int i = 0; i < half; i++) {
                int at = (p * half + i) * 2;
                cs[at] = (float) StrictMath.cos(angle);
                cs[at + 1] = (float) StrictMath.sin(angle);
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

    /** Writes the head {@code x[from ..]} rotated for position {@code pos} to {@code to[at ..]}. */
    void rotate(float[] x, int from, float[] to, int at, int pos) {
        int base = pos * headDim;
        for (int i = 0; i < headDim / 2; i++) {
            float cos = cs[base + 2 * i];
            float sin = cs[base + 2 * i + 1];
            float x0 = x[from + 2 * i];
            float x1 = x[from + 2 * i + 1];
            to[at + 2 * i] = x0 * cos - x1 * sin;
            to[at + 2 * i + 1] = x0 * sin + x1 * cos;
        }
    }

    /**
     * Adds the gradient of a head before rotation, given {@code dy[from ..]} after it, into
     * {@code dx[at ..]}: the rotation's transpose, by the same angle backwards.
     */
    void addRotatedBack(float[] dy, int from, float[] dx, int at, int pos) {
        int base = pos * headDim;
        for (int i = 0; i < headDim / 2; i++) {
            float cos = cs[base + 2 * i];
            float sin = cs[base + 2 * i + 1];
            float d0 = dy[from + 2 * i];
            float d1 = dy[from + 2 * i + 1];
            dx[at + 2 * i] += d0 * cos + d1 * sin;
            dx[at + 2 * i + 1] += d1 * cos - d0 * sin;
        }
    }
}
