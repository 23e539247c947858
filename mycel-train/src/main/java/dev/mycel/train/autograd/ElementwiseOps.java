package dev.mycel.train.autograd;

import java.util.Arrays;

/**
 * Element-wise sums and products of two tensors of the same shape: the residual connections and
 * SwiGLU's gating of a transformer. Each element is one IEEE operation forward and one or two
 * backward, so the order elements are visited in does not matter.
 */
public final class ElementwiseOps {
    private ElementwiseOps() {
    }

    /** {@code a + b}. */
    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        requireSameShape("add", a, b);
        boolean tracked = tape.tracks(a, b);
        float[] ad = a.data();
        float[] bd = b.data();
        Tensor y = tape.zeros(tracked, a.shape());
        float[] yd = y.data();
        for (int i = 0; i < yd.length; i++) {
            yd[i] = ad[i] + bd[i];
        }
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (a.requiresGrad()) {
                    addInto(a.gradForUpdate(), dy);
                }
                if (b.requiresGrad()) {
                    addInto(b.gradForUpdate(), dy);
                }
            });
        }
        return y;
    }

    /** {@code a ⊙ b}. */
    public static Tensor mul(Tape tape, Tensor a, Tensor b) {
        requireSameShape("mul", a, b);
        boolean tracked = tape.tracks(a, b);
        float[] ad = a.data();
        float[] bd = b.data();
        Tensor y = tape.zeros(tracked, a.shape());
        float[] yd = y.data();
        for (int i = 0; i < yd.length; i++) {
            yd[i] = ad[i] * bd[i];
        }
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (a.requiresGrad()) {
                    float[] da = a.gradForUpdate();
                    for (int i = 0; i < da.length; i++) {
                        da[i] += dy[i] * bd[i];
                    }
                }
                if (b.requiresGrad()) {
                    float[] db = b.gradForUpdate();
                    for (int i = 0; i < db.length; i++) {
                        db[i] += dy[i] * ad[i];
                    }
                }
            });
        }
        return y;
    }

    private static void addInto(float[] into, float[] x) {
        for (int i = 0; i < into.length; i++) {
            into[i] += x[i];
        }
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + " needs tensors of one shape, not " + a + " and " + b);
        }
    }
}
