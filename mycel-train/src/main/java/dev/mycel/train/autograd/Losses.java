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
     *
     * @throws IllegalStateException on a {@link Tape#perExample per-example tape}: the mean over
     *     the batch would scale each example's gradient by the batch's size; use
     *     {@link #softmaxCrossEntropyPerExample}
     */
    public static Tensor softmaxCrossEntropy(Tape tape, Tensor logits, int[] targets) {
        if (tape.perExample() != null) {
            throw new IllegalStateException("the batch's mean loss would scale each example's gradient by the batch's"
                    + " size: a per-example tape needs softmaxCrossEntropyPerExample");
        }
        Rows r = rows(tape, logits, targets);
        if (r.counted == 0) {
            throw new IllegalArgumentException("every target is ignored");
        }
        int n = r.n;
        float total = 0f;
        for (int i = 0; i < n; i++) {
            total += r.rowLoss[i];
        }
        float scale = 1f / r.counted;
        boolean tracked = tape.tracks(logits);
        Tensor loss = tape.zeros(tracked, 1);
        loss.data()[0] = total * scale;
        if (tracked) {
            tape.record(() -> {
                float[] dl = loss.grad();
                if (dl == null) {
                    return;
                }
                r.backward(logits.gradForUpdate(), 0, n, dl[0] * scale);
            });
        }
        return loss;
    }

    /**
     * The sum over the batch's examples of each example's {@link #softmaxCrossEntropy mean
     * cross-entropy}: the loss of a {@link Tape#perExample per-example tape}, whose gradient for
     * each example's rows is that example's own loss's gradient (Opacus's {@code loss_reduction
     * = "sum"}). The n rows are the examples' rows one example after another, n / examples each.
     * Each example's loss is computed as {@link #softmaxCrossEntropy} computes a batch of it
     * alone (its rows summed in order, times 1/its counted rows), and the examples' losses are
     * added in order. An example whose targets are all ignored (−1) adds nothing.
     *
     * @param examples the examples in the batch; on a per-example tape, the tape's
     * @throws IllegalArgumentException when the rows do not split into the examples, or every
     *     target is ignored
     */
    public static Tensor softmaxCrossEntropyPerExample(Tape tape, Tensor logits, int[] targets, int examples) {
        if (examples < 1) {
            throw new IllegalArgumentException("a batch needs at least one example, not " + examples);
        }
        if (tape.perExample() != null && examples != tape.examples()) {
            throw new IllegalArgumentException("the tape keeps per-example gradients of " + tape.examples()
                    + " examples, not " + examples);
        }
        Rows r = rows(tape, logits, targets);
        if (r.counted == 0) {
            throw new IllegalArgumentException("every target is ignored");
        }
        int n = r.n;
        if (n % examples != 0) {
            throw new IllegalArgumentException("cross-entropy: " + n + " rows do not split into " + examples
                    + " examples of equal size");
        }
        int per = n / examples;
        float[] scales = new float[examples];
        float sum = 0f;
        for (int e = 0; e < examples; e++) {
            int counted = 0;
            float total = 0f;
            for (int i = e * per; i < (e + 1) * per; i++) {
                if (targets[i] != -1) {
                    counted++;
                }
                total += r.rowLoss[i];
            }
            if (counted > 0) {
                scales[e] = 1f / counted;
                sum += total * scales[e];
            }
        }
        boolean tracked = tape.tracks(logits);
        Tensor loss = tape.zeros(tracked, 1);
        loss.data()[0] = sum;
        if (tracked) {
            tape.record(() -> {
                float[] dl = loss.grad();
                if (dl == null) {
                    return;
                }
                float[] dz = logits.gradForUpdate();
                for (int e = 0; e < examples; e++) {
                    if (scales[e] != 0f) {
                        r.backward(dz, e * per, (e + 1) * per, dl[0] * scales[e]);
                    }
                }
            });
        }
        return loss;
    }

    /** Each row's softmax and loss (0 for an ignored row), and the number of rows counted. */
    private record Rows(int n, int classes, int[] targets, float[] prob, float[] rowLoss, int counted) {
        /** Adds {@code (softmax − onehot)·g} into dz for rows from..to. */
        void backward(float[] dz, int from, int to, float g) {
            for (int i = from; i < to; i++) {
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
        }
    }

    private static Rows rows(Tape tape, Tensor logits, int[] targets) {
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
        return new Rows(n, classes, targets.clone(), prob, rowLoss, counted);
    }
}
