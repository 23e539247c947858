package dev.mycel.train.run;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.autograd.Workspace;
import dev.mycel.train.checkpoint.CheckpointInfo;
import dev.mycel.train.checkpoint.TrainingCheckpoint;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.SeededRandom;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Adam;
import dev.mycel.train.optim.NonFiniteGradientException;
import dev.mycel.train.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains {@link MnistCnn} on the first {@code trainCount} digits and measures accuracy on the
 * rest, with Adam at a constant rate.
 *
 * <p>Everything random is a function of the seed and the step: the weights' initialisation, each
 * epoch's order of examples (a shuffle seeded by seed and epoch), and dropout's masks (seeded by
 * seed and step). A run resumed from a checkpoint therefore continues exactly where the
 * uninterrupted run would be, and ends with the same weights, bit for bit, on any number of
 * threads and any vector width.
 */
public final class MnistTrainer {
    /** What the run does. */
    public record Options(int epochs, int batchSize, double lr, long seed, float dropout, int trainCount,
                          long stopAfterSteps, Path checkpoint, Path resume) {
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be at least 1, not " + epochs);
            }
            if (batchSize < 1 || batchSize > 4096) {
                throw new IllegalArgumentException("--batch must be between 1 and 4096, not " + batchSize);
            }
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("--lr must be a positive number, not " + lr);
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("--dropout must be in [0, 1), not " + dropout);
            }
            if (stopAfterSteps < 0) {
                throw new IllegalArgumentException("--stop-after must not be negative");
            }
        }

        /** The defaults: 8,000 digits to train on, Adam at 1e-3, batches of 64. */
        public static Options defaults(int epochs, long seed) {
            return new Options(epochs, 64, 1e-3, seed, 0.25f, 8000, 0, null, null);
        }

        public Options withCheckpoint(Path file) {
            return new Options(epochs, batchSize, lr, seed, dropout, trainCount, stopAfterSteps, file, resume);
        }

        public Options withResume(Path file) {
            return new Options(epochs, batchSize, lr, seed, dropout, trainCount, stopAfterSteps, checkpoint, file);
        }

        public Options withStopAfter(long steps) {
            return new Options(epochs, batchSize, lr, seed, dropout, trainCount, steps, checkpoint, resume);
        }

        public Options withBatch(int batch) {
            return new Options(epochs, batch, lr, seed, dropout, trainCount, stopAfterSteps, checkpoint, resume);
        }

        public Options withLr(double rate) {
            return new Options(epochs, batchSize, rate, seed, dropout, trainCount, stopAfterSteps, checkpoint, resume);
        }

        public Options withTrainCount(int count) {
            return new Options(epochs, batchSize, lr, seed, dropout, count, stopAfterSteps, checkpoint, resume);
        }
    }

    private final ThreadPool pool;
    private final Mnist data;
    private final Options options;

    public MnistTrainer(ThreadPool pool, Mnist data, Options options) {
        this.pool = Objects.requireNonNull(pool);
        this.data = Objects.requireNonNull(data);
        this.options = Objects.requireNonNull(options);
        if (options.trainCount() < options.batchSize() || options.trainCount() >= data.size()) {
            throw new IllegalArgumentException("the training part (" + options.trainCount() + " digits) must hold at least one batch of "
                    + options.batchSize() + " and leave some of the " + data.size() + " digits held out");
        }
    }

    /** Steps in one pass over the training digits (the last, partial batch is dropped). */
    public int stepsPerEpoch() {
        return options.trainCount() / options.batchSize();
    }

    public TrainingResult run(TrainingListener listener) throws IOException {
        long started = System.nanoTime();
        MnistCnn model = new MnistCnn(options.seed(), options.dropout());
        List<Parameter> params = model.parameters();
        Optimizer adam = new Adam(params);
        long step = 0;
        Map<String, String> settings = settings();
        if (options.resume() != null) {
            CheckpointInfo info = TrainingCheckpoint.load(options.resume(), params, adam);
            requireSameSettings(info.extra(), settings);
            step = info.step();
        }
        int perEpoch = stepsPerEpoch();
        long total = (long) perEpoch * options.epochs();
        long stopAt = options.stopAfterSteps() > 0 ? Math.min(total, options.stopAfterSteps()) : total;
        int batch = options.batchSize();
        float[] images = new float[batch * Mnist.PIXELS];
        int[] labels = new int[batch];
        int[] order = null;
        int orderEpoch = -1;
        long firstStep = step;
        Workspace workspace = new Workspace();
        double loss = Double.NaN;
        double accuracy = Double.NaN;
        Path saved = null;
        while (step < stopAt) {
            int epoch = (int) (step / perEpoch);
            if (epoch != orderEpoch) {
                order = epochOrder(epoch);
                orderEpoch = epoch;
            }
            int at = (int) (step % perEpoch) * batch;
            for (int j = 0; j < batch; j++) {
                int index = order[at + j];
                data.normalizedImage(index, images, j * Mnist.PIXELS);
                labels[j] = data.label(index);
            }
            Tape tape = new Tape(pool, true, step, workspace);
            Tensor logits = model.forward(tape, Tensor.constant(images, batch, Mnist.ROWS, Mnist.COLUMNS, 1));
            Tensor batchLoss = Losses.softmaxCrossEntropy(tape, logits, labels);
            float value = batchLoss.item();
            if (!Float.isFinite(value)) {
                throw diverged(step + 1, "the loss is " + value);
            }
            adam.zeroGrad();
            tape.backward(batchLoss);
            try {
                adam.step(options.lr());
            } catch (NonFiniteGradientException e) {
                throw diverged(step + 1, e.getMessage());
            }
            workspace.recycle();
            step++;
            double seconds = (System.nanoTime() - started) / 1e9;
            listener.step(new StepReport(step, total, epoch + 1, value, options.lr(),
                    (step - firstStep) * batch / seconds, seconds));
            boolean epochEnd = step % perEpoch == 0;
            if (epochEnd || step == stopAt) {
                double[] eval = evaluate(model);
                loss = eval[0];
                accuracy = eval[1];
                listener.evaluated(new EvalReport(step, (int) ((step + perEpoch - 1) / perEpoch), loss, accuracy));
                if (options.checkpoint() != null) {
                    TrainingCheckpoint.save(options.checkpoint(), params, adam, Map.of(), settings);
                    saved = options.checkpoint();
                }
            }
        }
        if (Double.isNaN(loss)) {
            double[] eval = evaluate(model);
            loss = eval[0];
            accuracy = eval[1];
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new TrainingResult(step, loss, accuracy, CanonicalWeights.sha256(params), seconds,
                (step - firstStep) * batch / seconds, saved);
    }

    private TrainingDivergedException diverged(long step, String what) {
        return new TrainingDivergedException(step, "step " + step + ": " + what + "; nothing from this step was saved"
                + " (the learning rate " + options.lr() + " is probably too high: try a tenth of it)");
    }

    /** The order of the training digits in {@code epoch}: a shuffle seeded by the seed and the epoch. */
    int[] epochOrder(int epoch) {
        int[] order = new int[options.trainCount()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SeededRandom.of(options.seed() * 0x9E3779B97F4A7C15L + epoch + 1).shuffle(order);
        return order;
    }

    /** Mean loss and accuracy over the held-out digits, in fixed batches. */
    double[] evaluate(MnistCnn model) {
        int from = options.trainCount();
        return MnistEvaluation.evaluate(pool, model, data, from, data.size() - from);
    }

    /** What must not change between a run and its resumption. */
    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("task", "mnist");
        s.put("model", "cnn");
        s.put("seed", Long.toString(options.seed()));
        s.put("batch", Integer.toString(options.batchSize()));
        s.put("lr", Double.toString(options.lr()));
        s.put("dropout", Float.toString(options.dropout()));
        s.put("train_count", Integer.toString(options.trainCount()));
        s.put("data_size", Integer.toString(data.size()));
        return s;
    }

    private void requireSameSettings(Map<String, String> saved, Map<String, String> now) {
        for (var e : now.entrySet()) {
            String was = saved.get(e.getKey());
            if (!e.getValue().equals(was)) {
                throw new IllegalArgumentException(options.resume() + ": the checkpoint was made with " + e.getKey() + " "
                        + (was == null ? "unset" : was) + ", this run has " + e.getValue()
                        + "; resume with the same settings");
            }
        }
    }
}
