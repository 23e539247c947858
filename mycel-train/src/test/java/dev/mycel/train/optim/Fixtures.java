package dev.mycel.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Parameter;
import java.util.List;

/** Small parameters and fixed gradient sequences for comparing optimisers with their references. */
final class Fixtures {
    private Fixtures() {
    }

    /** Two fresh parameters, "a" [2, 5] and "b" [3], with fixed values in [-1, 1). */
    static List<Parameter> params() {
        float[] a = new float[10];
        for (int i = 0; i < a.length; i++) {
            a[i] = LeastSquares.value(7000 + i);
        }
        float[] b = new float[3];
        for (int i = 0; i < b.length; i++) {
            b[i] = LeastSquares.value(8000 + i);
        }
        return List.of(new Parameter("a", Tensor.trainable(a, 2, 5)), new Parameter("b", Tensor.trainable(b, 3)));
    }

    /** The gradient of element {@code i} of parameter {@code p} at step {@code t}: fixed, whatever the weights. */
    static float grad(int p, int t, int i) {
        return LeastSquares.value(100_000 * p + 1000 * t + i);
    }

    /** Writes step {@code t}'s fixed gradients into every parameter. */
    static void setGrads(List<Parameter> params, int t) {
        for (int p = 0; p < params.size(); p++) {
            float[] g = params.get(p).grad();
            for (int i = 0; i < g.length; i++) {
                g[i] = grad(p, t, i);
            }
        }
    }

    /** The parameters' values in double, for a reference run. */
    static double[][] toDouble(List<Parameter> params) {
        double[][] out = new double[params.size()][];
        for (int p = 0; p < params.size(); p++) {
            float[] d = params.get(p).data();
            out[p] = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                out[p][i] = d[i];
            }
        }
        return out;
    }

    static void assertClose(double[][] reference, List<Parameter> params, double relTol, String what) {
        for (int p = 0; p < params.size(); p++) {
            float[] d = params.get(p).data();
            for (int i = 0; i < d.length; i++) {
                double ref = reference[p][i];
                assertEquals(ref, d[i], relTol * Math.max(1, Math.abs(ref)),
                        what + ": parameter " + params.get(p).name() + " element " + i);
            }
        }
    }

    static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }
}
