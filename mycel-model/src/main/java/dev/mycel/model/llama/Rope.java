package dev.mycel.model.llama;

/**
 * Rotary position embeddings, with angles computed as llama.cpp does: per position, the angle
 * of pair i is {@code pos * base^(-2i/d)} formed by repeated float multiplication,
 * divided by the optional per-pair frequency factor, times the linear position scale. Sines and cosines come from
 * {@link StrictMath}, so they are the same bits on every platform.
 */
final class Rope {
    private final int ropeDim;
    private final float thetaScale;
    private final float positionScale;
    private final float[] freqFactors;
    private final RopeStyle style;

    Rope(LlamaConfig c, float[] freqFactors) {
        this.ropeDim = c.ropeDim();
        this.thetaScale = (float) StrictMath.pow(c.ropeBase(), -2.0 / c.ropeDim());
        this.positionScale = c.ropeScale();
        this.freqFactors = freqFactors;
        this.style = c.ropeStyle();
    }

    /** Fills {@code cs[off ..]} with (cos, sin) of each of the {@code ropeDim / 2} angles at {@code pos}. */
    void angles(int pos, float[] cs, int off) {
        float theta = pos;
        for (int i = 0; i < ropeDim / 2; i++) {
            float t = freqFactors != null ? theta / freqFactors[i] : theta;
            t = positionScale * t;
            cs[off + 2 * i] = (float) StrictMath.cos(t);
            cs[off + 2 * i + 1] = (float) StrictMath.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates each of {@code heads} heads of width {@code headDim} starting at {@code x[off]}. */
    void apply(float[] x, int off, int heads, int headDim, float[] cs, int csOff) {
        int half = ropeDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = style == RopeStyle.ADJACENT ? base + 2 * i : base + i;
                int b = style == RopeStyle.ADJACENT ? a + 1 : a + half;
                float cos = cs[csOff + 2 * i];
                float sin = cs[csOff + 2 * i + 1];
                float x0 = x[a];
                float x1 = x[b];
                x[a] = x0 * cos - x1 * sin;
                x[b] = x0 * sin + x1 * cos;
            }
        }
    }

    int pairs() {
        return ropeDim / 2;
    }
}
