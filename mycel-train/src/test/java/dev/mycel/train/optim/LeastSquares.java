package dev.mycel.train.optim;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Parameter;
import java.util.List;

/**
 * A tiny deterministic training problem with a hand-written gradient: {@code y = W x + b} fitted
 * to fixed targets by the mean squared error {@code 1/(2n) sum |W x + b - y|^2} over a mini-batch
 * of rows that depends on the step. Every gradient is computed in float in one fixed order, so it
 * is a pure function of the weights and the step.
 */
public final class LeastSquares {
    public static final int IN = 4;
    public static final int OUT = 3;
    public static final int ROWS = 8;

    public final Parameter weight;
    public final Parameter bias;
    private final float[][] x = new float[ROWS][IN];
    private final float[][] y = new float[ROWS][OUT];

    public LeastSquares() {
        float[] w = new float[OUT * IN];
        for (int i = 0; i < w.length; i++) {
            w[i] = value(1000 + i) * 0.5f;
        }
        float[] b = new float[OUT];
        for (int i = 0; i < b.length; i++) {
            b[i] = value(2000 + i) * 0.1f;
        }
        weight = new Parameter("lin.weight", Tensor.trainable(w, OUT, IN));
        bias = new Parameter("lin.bias", Tensor.trainable(b, OUT));
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < IN; c++) {
                x[r][c] = value(r * 31 + c);
            }
            for (int o = 0; o < OUT; o++) {
                y[r][o] = value(500 + r * 17 + o) * 2f;
            }
        }
    }

    /** A fixed value in [-1, 1) from an integer (a hash, so no floating-point library is involved). */
    public static float value(int seed) {
        int h = seed * 0x9E3779B9;
        h ^= h >>> 15;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return (h >>> 8) / (float) (1 << 23) - 1f;
    }

    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** Overwrites the gradients with those of the step's mini-batch (rows {@code 2*step .. 2*step+3} mod 8). */
    public void gradients(long step) {
        weight.value().zeroGrad();
        bias.value().zeroGrad();
        int first = (int) (step * 2 % ROWS);
        addGradients(new int[] {first, (first + 1) % ROWS, (first + 2) % ROWS, (first + 3) % ROWS});
    }

    /** Adds the gradient of the mean loss over {@code rows} into the gradients (allocating them). */
    public void addGradients(int[] rows) {
        float[] w = weight.data();
        float[] b = bias.data();
        float[] gw = weight.grad();
        float[] gb = bias.grad();
        float inv = 1f / rows.length;
        float[] dw = new float[gw.length];
        float[] db = new float[gb.length];
        for (int r : rows) {
            for (int o = 0; o < OUT; o++) {
                float pred = b[o];
                for (int c = 0; c < IN; c++) {
                    pred += w[o * IN + c] * x[r][c];
                }
                float residual = (pred - y[r][o]) * inv;
                db[o] += residual;
                for (int c = 0; c < IN; c++) {
                    dw[o * IN + c] += residual * x[r][c];
                }
            }
        }
        for (int i = 0; i < gw.length; i++) {
            gw[i] += dw[i];
        }
        for (int i = 0; i < gb.length; i++) {
            gb[i] += db[i];
        }
    }

    /** The mean loss over all rows, in double (for checking that training trains). */
    public double loss() {
        double sum = 0;
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < OUT; o++) {
                double pred = bias.data()[o];
                for (int c = 0; c < IN; c++) {
                    pred += (double) weight.data()[o * IN + c] * x[r][c];
                }
                double d = pred - y[r][o];
                sum += d * d;
            }
        }
        return sum / (2 * ROWS);
    }

    /** Runs {@code steps} steps: gradients of the step's batch, then an update at the schedule's rate. */
    public void train(Optimizer optimizer, LrSchedule schedule, int steps) {
        for (int i = 0; i < steps; i++) {
            gradients(optimizer.stepCount());
            Gradients.clipByGlobalNorm(parameters(), 5.0);
            optimizer.step(schedule);
        }
    }
}
