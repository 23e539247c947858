package dev.mycel.federated.client;

import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.privacy.DpSgdSettings;
import dev.mycel.federated.privacy.PrivacySpent;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.run.EvalReport;
import dev.mycel.train.run.MnistEvaluation;
import dev.mycel.train.run.StepReport;
import dev.mycel.train.run.TrainingListener;
import dev.mycel.train.run.TrainingResult;
import java.util.random.RandomGenerator;

/**
 * {@code mycel train local --data mnist --model cnn --dp-sgd}: the CNN trained with DP-SGD on the
 * first 8,000 digits (the rest held out), the noise calibrated so that the planned epochs spend
 * the budget, Adam on the privatised gradients. Evaluation on held-out digits costs no privacy
 * (they are not the training set).
 */
public final class PrivateMnistRun {
    public static final int TRAIN_COUNT = 8000;

    private final ThreadPool pool;
    private final Mnist data;
    private final int epochs;
    private final int batch;
    private final double lr;
    private final long seed;
    private final DpSgdSettings settings;
    private final double sampleRate;
    private PrivacySpent spent;
    private boolean exhausted;

    public PrivateMnistRun(ThreadPool pool, Mnist data, int epochs, int batch, double lr, long seed, double epsilon,
                           double delta, double maxGradNorm, String accountant) {
        if (data.size() <= TRAIN_COUNT) {
            throw new IllegalArgumentException("DP-SGD on MNIST trains on the first " + TRAIN_COUNT
                    + " digits and holds the rest out: give more than " + TRAIN_COUNT + " digits, not " + data.size());
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, not " + epochs);
        }
        if (batch < 1 || batch > TRAIN_COUNT) {
            throw new IllegalArgumentException("--batch must be between 1 and " + TRAIN_COUNT + ", not " + batch);
        }
        if (!(delta > 0 && delta < 1.0 / TRAIN_COUNT)) {
            throw new IllegalArgumentException("--delta must be in (0, 1/" + TRAIN_COUNT
                    + "): a larger delta allows leaking a whole digit, not " + delta);
        }
        this.pool = pool;
        this.data = data;
        this.epochs = epochs;
        this.batch = batch;
        this.lr = lr;
        this.seed = seed;
        this.sampleRate = (double) batch / TRAIN_COUNT;
        long steps = plannedSteps();
        this.settings = DpSgdSettings.calibrated(epsilon, delta, sampleRate, steps, maxGradNorm, accountant);
    }

    /** Poisson batches: about 1 / q steps per epoch. */
    public long plannedSteps() {
        return (long) epochs * Math.max(1, Math.round(1 / sampleRate));
    }

    public double noiseMultiplier() {
        return settings.noiseMultiplier();
    }

    public double maxGradNorm() {
        return settings.maxGradNorm();
    }

    public String accountant() {
        return settings.accountant();
    }

    public PrivacySpent spent() {
        return spent;
    }

    public boolean budgetExhausted() {
        return exhausted;
    }

    /** Trains; {@code random} draws the batches and the noise (a SecureRandom outside tests). */
    public TrainingResult run(TrainingListener listener, RandomGenerator random) {
        long started = System.nanoTime();
        int[] trainIndices = new int[TRAIN_COUNT];
        for (int i = 0; i < TRAIN_COUNT; i++) {
            trainIndices[i] = i;
        }
        Mnist train = data.select(trainIndices);
        MnistCnn model = new MnistCnn(seed, 0f);
        float[] start = ParameterVector.of(model.parameters());
        DpSgd dp = new DpSgd(settings, sampleRate, random);
        long total = plannedSteps();
        MnistLocalTrainer trainer = new MnistLocalTrainer(pool, train);
        MnistLocalTrainer.Settings s = new MnistLocalTrainer.Settings(epochs, batch, "adam", lr, 0, 0, 0f);
        long perEpoch = Math.max(1, Math.round(1 / sampleRate));
        MnistLocalTrainer.Outcome outcome = trainer.train(start, s, seed, 0, dp, (step, loss) -> {
            double seconds = (System.nanoTime() - started) / 1e9;
            listener.step(new StepReport(step, total, (int) ((step - 1) / perEpoch) + 1, (float) loss, lr,
                    step * sampleRate * TRAIN_COUNT / seconds, seconds));
        });
        exhausted = outcome.budgetExhausted();
        spent = dp.spent();
        ParameterVector.load(outcome.parameters(), model.parameters());
        double[] eval = MnistEvaluation.evaluate(pool, model, data, TRAIN_COUNT, data.size() - TRAIN_COUNT);
        listener.evaluated(new EvalReport(outcome.steps(), epochs, eval[0], eval[1]));
        double seconds = (System.nanoTime() - started) / 1e9;
        return new TrainingResult(outcome.steps(), eval[0], eval[1], CanonicalWeights.sha256(model.parameters()), seconds,
                outcome.steps() * sampleRate * TRAIN_COUNT / seconds, null);
    }
}
