package dev.mycel.train.autograd;

/**
 * Normalisation of each row of x [n, d], with gradients.
 *
 * <p>{@link #rmsNorm} computes exactly what the inference engine's {@code VectorMath.rmsNorm}
 * computes (the squares summed in double in index order, the scale {@code 1/sqrt(mean + eps)}
 * rounded to float, then {@code (x·scale)·weight}), so a model trained here runs the same
 * function there. Rows are independent and may go to different threads; every sum over a row,
 * and every weight gradient's sum over rows, runs in one fixed order on one thread.
 *
 * <p>On a {@link Tape#perExample per-example tape} the weight (and bias) gradients go to the store
 * per example: each example's sum over its own rows (n / examples of them), in order, from zero.
 */
public final class NormOps {
    /** Rows (or, for weight gradients, columns) per unit of parallel work. */
    private static final int GRAIN = 16;

    private NormOps() {
    }

    /** Llama's RMSNorm: {@code x · (1/sqrt(mean(x²) + eps)) · weight}, weight [d]. */
    public static Tensor rmsNorm(Tape tape, Tensor x, Tensor weight, float eps) {
        int n = rows(x);
        int d = x.dim(1);
        requireVector("weight", weight, d);
        boolean tracked = tape.tracks(x, weight);
        PerExampleGradients store = tracked ? tape.perExample() : null;
        float[] wEach = store == null ? null : store.slot(weight);
        int perExample = wEach != null ? store.rowsPerExample(n, "rmsNorm") : 0;
        float[] xd = x.data();
        float[] wd = weight.data();
        Tensor y = tape.zeros(tracked, n, d);
        float[] yd = y.data();
        float[] scale = new float[n];
        tape.pool().parallelFor(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                int base = i * d;
                double sum = 0;
                for (int j = 0; j < d; j++) {
                    float v = xd[base + j];
                    sum += v * v;
                }
                float mean = (float) (sum / d);
                float s = 1.0f / (float) Math.sqrt(mean + eps);
                scale[i] = s;
                for (int j = 0; j < d; j++) {
                    yd[base + j] = (xd[base + j] * s) * wd[j];
                }
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (x.requiresGrad()) {
                    // dx_j = r·w_j·dy_j − (r³/d)·x_j·Σ_k w_k·dy_k·x_k, with r the row's scale.
                    float[] dx = x.gradForUpdate();
                    tape.pool().parallelFor(n, GRAIN, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            int base = i * d;
                            float r = scale[i];
                            double dot = 0;
                            for (int j = 0; j < d; j++) {
                                dot += (wd[j] * dy[base + j]) * xd[base + j];
                            }
                            float c = (float) ((double) r * r * r * dot / d);
                            for (int j = 0; j < d; j++) {
                                dx[base + j] += r * (wd[j] * dy[base + j]) - c * xd[base + j];
                            }
                        }
                    });
                }
                if (wEach != null) {
                    store.forEachExample(tape.pool(), (e, pool) -> {
                        int off = e * d;
                        for (int i = e * perExample; i < (e + 1) * perExample; i++) {
                            int base = i * d;
                            float r = scale[i];
                            for (int j = 0; j < d; j++) {
                                wEach[off + j] += dy[base + j] * (xd[base + j] * r);
                            }
                        }
                    });
                } else if (weight.requiresGrad()) {
                    // dw_j += Σ_i dy_ij·(x_ij·r_i), rows in order.
                    float[] dw = weight.gradForUpdate();
                    tape.pool().parallelFor(d, GRAIN, (from, to) -> {
                        for (int i = 0; i < n; i++) {
                            int base = i * d;
                            float r = scale[i];
                            for (int j = from; j < to; j++) {
                                dw[j] += dy[base + j] * (xd[base + j] * r);
                            }
                        }
                    });
                }
            });
        }
        return y;
    }

    /**
     * LayerNorm as PyTorch defines it: {@code (x − mean)/sqrt(var + eps) · weight + bias} with the
     * biased variance; weight and bias [d], bias may be null (none). Means and variances are summed
     * in double in index order.
     */
    public static Tensor layerNorm(Tape tape, Tensor x, Tensor weight, Tensor bias, float eps) {
        int n = rows(x);
        int d = x.dim(1);
        requireVector("weight", weight, d);
        if (bias != null) {
            requireVector("bias", bias, d);
        }
        boolean tracked = tape.tracks(x, weight, bias);
        PerExampleGradients store = tracked ? tape.perExample() : null;
        float[] wEach = store == null ? null : store.slot(weight);
        float[] bEach = store == null ? null : store.slot(bias);
        int perExample = wEach != null || bEach != null ? store.rowsPerExample(n, "layerNorm") : 0;
        float[] xd = x.data();
        float[] wd = weight.data();
        float[] bd = bias == null ? null : bias.data();
        Tensor y = tape.zeros(tracked, n, d);
        float[] yd = y.data();
        float[] xhat = tape.scratch(n * d);
        float[] scale = new float[n];
        tape.pool().parallelFor(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                int base = i * d;
                double sum = 0;
                for (int j = 0; j < d; j++) {
                    sum += xd[base + j];
                }
                float mean = (float) (sum / d);
                double squares = 0;
                for (int j = 0; j < d; j++) {
                    float c = xd[base + j] - mean;
                    squares += c * c;
                }
                float var = (float) (squares / d);
                float s = 1.0f / (float) Math.sqrt(var + eps);
                scale[i] = s;
                for (int j = 0; j < d; j++) {
                    float h = (xd[base + j] - mean) * s;
                    xhat[base + j] = h;
                    yd[base + j] = bd == null ? h * wd[j] : h * wd[j] + bd[j];
                }
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (x.requiresGrad()) {
                    // dx = r·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w.
                    float[] dx = x.gradForUpdate();
                    tape.pool().parallelFor(n, GRAIN, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            int base = i * d;
                            double sumG = 0;
                            double sumGh = 0;
                            for (int j = 0; j < d; j++) {
                                float g = dy[base + j] * wd[j];
                                sumG += g;
                                sumGh += g * xhat[base + j];
                            }
                            float meanG = (float) (sumG / d);
                            float meanGh = (float) (sumGh / d);
                            float r = scale[i];
                            for (int j = 0; j < d; j++) {
                                float g = dy[base + j] * wd[j];
                                dx[base + j] += r * (g - meanG - xhat[base + j] * meanGh);
                            }
                        }
                    });
                }
                if (wEach != null || bEach != null) {
                    store.forEachExample(tape.pool(), (e, pool) -> {
                        int off = e * d;
                        for (int i = e * perExample; i < (e + 1) * perExample; i++) {
                            int base = i * d;
                            for (int j = 0; j < d; j++) {
                                if (wEach != null) {
                                    wEach[off + j] += dy[base + j] * xhat[base + j];
                                }
                                if (bEach != null) {
                                    bEach[off + j] += dy[base + j];
                                }
                            }
                        }
                    });
                }
                boolean dWeight = weight.requiresGrad() && wEach == null;
                boolean dBias = bias != null && bias.requiresGrad() && bEach == null;
                if (dWeight || dBias) {
                    float[] dw = dWeight ? weight.gradForUpdate() : null;
                    float[] db = dBias ? bias.gradForUpdate() : null;
                    tape.pool().parallelFor(d, GRAIN, (from, to) -> {
                        for (int i = 0; i < n; i++) {
                            int base = i * d;
                            for (int j = from; j < to; j++) {
                                if (dw != null) {
                                    dw[j] += dy[base + j] * xhat[base + j];
                                }
                                if (db != null) {
                                    db[j] += dy[base + j];
                                }
                            }
                        }
                    });
                }
            });
        }
        return y;
    }

    private static int rows(Tensor x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("normalisation needs x [n, d], not " + x);
        }
        return x.dim(0);
    }

    private static void requireVector(String what, Tensor t, int d) {
        if (t.rank() != 1 || t.dim(0) != d) {
            throw new IllegalArgumentException(what + " must be [" + d + "], not " + t);
        }
    }
}
