package dev.mycel.train.export;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test fixture: a Llama model with seeded random weights under their GGUF names, and a plain
 * reference forward pass over them written from the architecture's definition (adjacent-pair
 * RoPE, grouped keys and values, SwiGLU), to check that the engine reads the exported tensors
 * the way they were meant.
 */
final class TinyLlama {
    final LlamaHyperParameters hp;
    final List<NamedTensor> tensors;
    private final Map<String, float[]> w = new HashMap<>();

    TinyLlama(LlamaHyperParameters hp, long seed) {
        this.hp = hp;
        SplittableRandom rnd = new SplittableRandom(seed);
        List<NamedTensor> list = new ArrayList<>();
        for (var e : hp.tensorShapes().entrySet()) {
            int[] shape = e.getValue();
            float[] v = new float[shape.length == 1 ? shape[0] : shape[0] * shape[1]];
            // Norms near 1; matrices with variance 1/in so that activations keep their scale.
            double std = shape.length == 1 ? 0.1 : e.getKey().equals("token_embd.weight") ? 1.0 : 1.0 / Math.sqrt(shape[1]);
            double mean = shape.length == 1 ? 1.0 : 0.0;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (mean + std * gaussian(rnd));
            }
            list.add(new NamedTensor(e.getKey(), shape, v));
            w.put(e.getKey(), v);
        }
        this.tensors = List.copyOf(list);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
    }

    /** The logits after each token of {@code tokens}, from position 0. */
    float[][] logits(int[] tokens) {
        int dim = hp.dim();
        int hd = hp.headDim();
        int n = tokens.length;
        float[][] keys = new float[hp.layers()][n * hp.kvDim()];
        float[][] values = new float[hp.layers()][n * hp.kvDim()];
        float[][] out = new float[n][];
        for (int pos = 0; pos < n; pos++) {
            float[] x = new float[dim];
            System.arraycopy(w.get("token_embd.weight"), tokens[pos] * dim, x, 0, dim);
            for (int l = 0; l < hp.layers(); l++) {
                String p = "blk." + l + ".";
                float[] xb = rmsNorm(x, w.get(p + "attn_norm.weight"));
                float[] q = matVec(w.get(p + "attn_q.weight"), xb, hp.qDim());
                float[] k = matVec(w.get(p + "attn_k.weight"), xb, hp.kvDim());
                float[] v = matVec(w.get(p + "attn_v.weight"), xb, hp.kvDim());
                rope(q, hp.heads(), pos);
                rope(k, hp.kvHeads(), pos);
                System.arraycopy(k, 0, keys[l], pos * hp.kvDim(), hp.kvDim());
                System.arraycopy(v, 0, values[l], pos * hp.kvDim(), hp.kvDim());
                float[] att = new float[hp.qDim()];
                int group = hp.heads() / hp.kvHeads();
                for (int h = 0; h < hp.heads(); h++) {
                    int kvOff = (h / group) * hd;
                    double[] s = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= pos; j++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += (double) q[h * hd + i] * keys[l][j * hp.kvDim() + kvOff + i];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= pos; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int i = 0; i < hd; i++) {
                        double a = 0;
                        for (int j = 0; j <= pos; j++) {
                            a += s[j] / sum * values[l][j * hp.kvDim() + kvOff + i];
                        }
                        att[h * hd + i] = (float) a;
                    }
                }
                add(x, matVec(w.get(p + "attn_output.weight"), att, dim));
                xb = rmsNorm(x, w.get(p + "ffn_norm.weight"));
                float[] gate = matVec(w.get(p + "ffn_gate.weight"), xb, hp.ffnHidden());
                float[] up = matVec(w.get(p + "ffn_up.weight"), xb, hp.ffnHidden());
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]);
                }
                add(x, matVec(w.get(p + "ffn_down.weight"), gate, dim));
            }
            out[pos] = matVec(w.get("output.weight"), rmsNorm(x, w.get("output_norm.weight")), hp.vocabSize());
        }
        return out;
    }

    /** Rotates adjacent pairs (x[2i], x[2i+1]) of each head by pos * theta^(-2i/headDim). */
    private void rope(float[] x, int heads, int pos) {
        int hd = hp.headDim();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double angle = pos * Math.pow(hp.ropeTheta(), -2.0 * i / hd);
                double c = Math.cos(angle);
                double s = Math.sin(angle);
                int a = h * hd + 2 * i;
                double x0 = x[a];
                double x1 = x[a + 1];
                x[a] = (float) (x0 * c - x1 * s);
                x[a + 1] = (float) (x0 * s + x1 * c);
            }
        }
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double ss = 0;
        for (float f : x) {
            ss += (double) f * f;
        }
        double scale = 1 / Math.sqrt(ss / x.length + hp.normEps());
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] * scale * weight[i]);
        }
        return y;
    }

    /** {@code W x} for W stored row-major as [rows, x.length]. */
    private static float[] matVec(float[] m, float[] x, int rows) {
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < x.length; c++) {
                s += (double) m[r * x.length + c] * x[c];
            }
            y[r] = (float) s;
        }
        return y;
    }

    private static void add(float[] x, float[] d) {
        for (int i = 0; i < x.length; i++) {
            x[i] += d[i];
        }
    }
}
