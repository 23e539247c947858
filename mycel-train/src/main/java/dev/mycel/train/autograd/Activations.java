package dev.mycel.train.autograd;

import dev.mycel.tensor.VectorMath;

/**
 * Element-wise non-linearities. Each element's value and gradient are a fixed sequence of IEEE
 * operations (the exponential is {@link VectorMath#exp}, the same on every machine; tanh is
 * {@link StrictMath#tanh}), so the order elements are visited in does not matter.
 */
public final class Activations {
    private Activations() {
    }

    public static Tensor relu(Tape tape, Tensor x) {
        boolean tracked = tape.tracks(x);
        float[] xd = x.data();
        Tensor y = tape.zeros(tracked, x.shape());
        float[] yd = y.data();
        // Element by element, so the split among threads changes nothing.
        int chunks = (xd.length + CHUNK - 1) / CHUNK;
        tape.pool().parallelFor(chunks, 1, (from, to) -> {
            for (int i = from * CHUNK, end = Math.min(xd.length, to * CHUNK); i < end; i++) {
                yd[i] = xd[i] > 0f ? xd[i] : 0f;
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                tape.pool().parallelFor(chunks, 1, (from, to) -> {
                    for (int i = from * CHUNK, end = Math.min(xd.length, to * CHUNK); i < end; i++) {
                        if (xd[i] > 0f) {
                            dx[i] += dy[i];
                        }
                    }
                });
            });
        }
        return y;
    }

    /** Elements per work item of the element-wise loops that run on the pool. */
    private static final int CHUNK = 1 << 15;

    /** x·σ(x), Llama's activation. */
    public static Tensor silu(Tape tape, Tensor x) {
        boolean tracked = tape.tracks(x);
        float[] xd = x.data();
        Tensor y = tape.zeros(tracked, x.shape());
        float[] yd = y.data();
        float[] sig = tape.scratch(xd.length);
        for (int i = 0; i < xd.length; i++) {
            sig[i] = 1f / (1f + VectorMath.exp(-xd[i]));
            yd[i] = xd[i] * sig[i];
        }
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                for (int i = 0; i < xd.length; i++) {
                    // d/dx xσ(x) = σ(x)·(1 + x·(1 − σ(x)))
                    float s = sig[i];
                    dx[i] += dy[i] * (s * (1f + xd[i] * (1f - s)));
                }
            });
        }
        return y;
    }

    private static final float SQRT_2_OVER_PI = (float) StrictMath.sqrt(2.0 / StrictMath.PI);

    /**
     * GELU in its tanh form (GPT-2's, PyTorch's {@code approximate="tanh"}):
     * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). The exact form needs erf, which StrictMath
     * lacks.
     */
    public static Tensor gelu(Tape tape, Tensor x) {
        boolean tracked = tape.tracks(x);
        float[] xd = x.data();
        Tensor y = tape.zeros(tracked, x.shape());
        float[] yd = y.data();
        float[] th = tape.scratch(xd.length);
        for (int i = 0; i < xd.length; i++) {
            float v = xd[i];
            float u = SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
            th[i] = (float) StrictMath.tanh(u);
            yd[i] = 0.5f * v * (1f + th[i]);
        }
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                for (int i = 0; i < xd.length; i++) {
                    float v = xd[i];
                    float t = th[i];
                    float du = SQRT_2_OVER_PI * (1f + 3f * 0.044715f * v * v);
                    float d = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du;
                    dx[i] += dy[i] * d;
                }
            });
        }
        return y;
    }
}
