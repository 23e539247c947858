package dev.mycel.train.autograd;

import dev.mycel.tensor.VectorMath;

/** Loss functions, each reduced to one value in a fixed order. */
public final class Losses {
    private Losses() {
    }

    /**
     * Mean softmax cross-entropy of logits [n, classes] against target class ids: the mean over
     * rows of {@code logsumexp(z) − z[target]}, rows summed in order. A target of −1 marks a row
     * to ignore (it counts towards neither the sum nor the mean).
     */
    public static Tensor softmaxCrossEntropy(Tape tape, Tensor logits, int[] targets) {
        if (logits.rank() != 2 || logits.dim(0) != targets.length) {
            throw new IllegalArgumentException("cross-entropy needs logits [n, classes] and n targets, not "
                    + logits + " and " + targets.length);
        }
        int n = logits.dim(0);
        int classes = logits.dim(1);
        float[] z = logits.data();
        float[] prob = tape.scratch(z.length);
        float[] rowLoss = new float[n];
        int counted = 0;
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            if (t == -1) {
                continue;
            }
            if (t < 0 || t >= classes) {
                throw new IllegalArgumentException("target " + t + " of row " + i + " is not a class in 0.."
                        + (classes - 1));
            }
            counted++;
            int base = i * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, z[base + j]);
            }
            float sum = 0f;
            for (int j = 0; j < classes; j++) {
                float e = VectorMath.exp(z[base + j] - max);
                prob[base + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < classes; j++) {
                prob[base + j] *= inv;
            }
            float logSum = (float) StrictMath.log(sum);
            rowLoss[i] = (max + logSum) - z[base + t];
        }
        if (counted == 0) {
            throw new IllegalArgumentException("every target is ignored");
        }
        float total = 0f;
        for (int i = 0; i < n; i++) {
            total += rowLoss[i];
        }
        float scale = 1f / counted;
        boolean tracked = tape.tracks(logits);
        Tensor loss = tape.zeros(tracked, 1);
        loss.data()[0] = total * scale;
        if (tracked) {
            tape.record(() -> {
                float[] dl = loss.grad();
                if (dl == null) {
                    return;
                }
                float g = dl[0] * scale;
                float[] dz = logits.gradForUpdate();
                for (int i = 0; i < n; i++) {
                    int t = targets[i];
                    if (t == -1) {
                        continue;
                    }
                    int base = i * classes;
                    for (int j = 0; j < classes; j++) {
                        float p = j == t ? prob[base + j] - 1f : prob[base + j];
                        dz[base + j] += p * g;
                    }
                }
            });
        }
        return loss;
    }
}
