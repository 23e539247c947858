package dev.mycel.train.run;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.models.MnistCnn;

/**
 * The CNN's mean loss and accuracy on a range of digits, in fixed batches of 500 (so the result
 * is the same whoever evaluates: a trainer, a federated coordinator, a participant checking it).
 */
public final class MnistEvaluation {
    private static final int BATCH = 500;

    private MnistEvaluation() {
    }

    /** {mean loss, accuracy} over digits {@code from .. from + count − 1}. */
    public static double[] evaluate(ThreadPool pool, MnistCnn model, Mnist data, int from, int count) {
        if (count < 1 || from < 0 || from + count > data.size()) {
            throw new IllegalArgumentException("digits " + from + " to " + (from + count - 1) + " are not within the "
                    + data.size() + " digits");
        }
        double lossSum = 0;
        int correct = 0;
        for (int b = 0; b < count; b += BATCH) {
            int size = Math.min(BATCH, count - b);
            float[] images = new float[size * Mnist.PIXELS];
            int[] labels = new int[size];
            for (int j = 0; j < size; j++) {
                data.normalizedImage(from + b + j, images, j * Mnist.PIXELS);
                labels[j] = data.label(from + b + j);
            }
            Tape tape = new Tape(pool, false, 0);
            Tensor logits = model.forward(tape, Tensor.constant(images, size, Mnist.ROWS, Mnist.COLUMNS, 1));
            lossSum += (double) Losses.softmaxCrossEntropy(tape, logits, labels).item() * size;
            float[] z = logits.data();
            for (int j = 0; j < size; j++) {
                int best = 0;
                for (int c = 1; c < Mnist.CLASSES; c++) {
                    if (z[j * Mnist.CLASSES + c] > z[j * Mnist.CLASSES + best]) {
                        best = c;
                    }
                }
                if (best == labels[j]) {
                    correct++;
                }
            }
        }
        return new double[] {lossSum / count, (double) correct / count};
    }
}
