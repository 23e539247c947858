package dev.mycel.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and reduction kernels of the transformer besides matrix products, all with
 * bit-identical results on every machine.
 *
 * <p>{@code Math.exp} may be an intrinsic whose last bit differs between CPUs, so {@link #exp}
 * is computed here from a fixed polynomial with fused multiply-adds; the vector and scalar
 * paths perform the same IEEE operations per element and therefore agree bit for bit.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float EXP_MAX = 88.0f;
    private static final float EXP_MIN = -87.3f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {
    }

    /**
     * e^x within about 2 ulp, identical on every platform. Inputs above 88 give e^88; inputs
     * below -87.3 give 0.
     */
    public static float exp(float x) {
        if (x < EXP_MIN) {
            return 0f;
        }
        float xc = Math.min(x, EXP_MAX);
        float k = Math.fma(xc, LOG2E, ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(k, -LN2_HI, xc);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        float scale = Float.intBitsToFloat(((int) k + 127) << 23);
        return y * scale;
    }

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> tiny = x.lt(EXP_MIN);
        FloatVector xc = x.min(EXP_MAX).max(EXP_MIN);
        FloatVector k = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND_MAGIC))
                .sub(ROUND_MAGIC);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, P0).fma(r, FloatVector.broadcast(F, P1));
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector ki = (IntVector) k.convert(VectorOperators.F2I, 0);
        FloatVector scale = ki.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(scale).blend(0f, tiny);
    }

    /** x / (1 + e^-x). */
    public static float silu(float x) {
        return x / (1f + exp(-x));
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]} for {@code n} values: the SwiGLU of the FFN. */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += W) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector s = g.div(exp(g.neg()).add(1f));
            s.mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            gate[gOff + i] = silu(gate[gOff + i]) * up[uOff + i];
        }
    }

    /** Deterministic dot product of two float runs (virtual lanes, fixed reduction order). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes) {
        int full = n - n % L;
        if (Lanes.GROUPS == 1 && full == n) {
            // One hardware vector holds every virtual lane: reduce in registers (same tree).
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < n; c += L) {
                acc = FloatVector.fromArray(F, a, aOff + c).fma(FloatVector.fromArray(F, b, bOff + c), acc);
            }
            return Lanes.reduce(acc);
        }
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector acc = FloatVector.zero(F);
            for (int c = lo; c < full; c += L) {
                acc = FloatVector.fromArray(F, a, aOff + c).fma(FloatVector.fromArray(F, b, bOff + c), acc);
            }
            acc.intoArray(lanes, lo);
        }
        for (int c = full; c < n; c++) {
            lanes[c - full] = Math.fma(a[aOff + c], b[bOff + c], lanes[c - full]);
        }
        return Lanes.reduce(lanes);
    }

    /** {@code y[i] = fma(a, x[i], y[i])}: element-wise, so any vector width gives the same bits. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += W) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }

    /** {@code y[i] += x[i]}. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += W) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** {@code x[i] *= s}. */
    public static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += W) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /**
     * RMSNorm as llama.cpp computes it: the mean of squares summed in double in index order,
     * {@code scale = 1 / sqrt(mean + eps)}, then {@code out = (x * scale) * weight}.
     */
    public static void rmsNorm(float[] out, int oOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += W) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            out[oOff + i] = (x[xOff + i] * scale) * weight[i];
        }
    }

    /**
     * In-place softmax of {@code x[off .. off+n)}: {@code e^(x - max)}, summed in double in index
     * order, then multiplied by {@code 1 / sum}.
     */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        int i = 0;
        FloatVector mv = FloatVector.broadcast(F, max);
        for (int bound = F.loopBound(n); i < bound; i += W) {
            exp(FloatVector.fromArray(F, x, off + i).sub(mv)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = exp(x[off + i] - max);
        }
        double sum = 0;
        for (i = 0; i < n; i++) {
            sum += x[off + i];
        }
        scale(x, off, n, (float) (1.0 / sum));
    }

    /** Index of the largest value; ties go to the lowest index. */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bestValue = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bestValue) {
                bestValue = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
