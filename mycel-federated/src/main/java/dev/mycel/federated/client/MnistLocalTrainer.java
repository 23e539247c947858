package dev.mycel.federated.client;

import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.privacy.GaussianMechanism;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.PerExampleGradients;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.autograd.Workspace;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.SeededRandom;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Adam;
import dev.mycel.train.optim.Gradients;
import dev.mycel.train.optim.NonFiniteGradientException;
import dev.mycel.train.optim.Optimizer;
import dev.mycel.train.optim.Sgd;
import java.util.List;
import java.util.Objects;

/**
 * Trains the MNIST CNN on one owner's digits, starting from given parameters: a federated
 * client's local epochs, or {@code mycel train local --dp-sgd}. The digits never leave this
 * object; only the new parameters do.
 *
 * <p>Without DP the epochs go through the digits in an order seeded by the seed and the epoch,
 * in batches of {@code batchSize} (the last one partial), with the same bits on any machine.
 * With DP-SGD each step Poisson-samples the digits (each in with probability q = batch /
 * digits, about 1 / q steps an epoch), clips each digit's gradient, adds noise and divides by
 * the expected batch size ({@link GaussianMechanism}); the run stops early if the budget would
 * be exceeded. FedProx's proximal term μ/2·‖w − w_start‖² adds μ·(w − w_start) to the gradient.
 *
 * <p>A batch size of {@link #FULL_BATCH} (0) takes the owner's whole data set as one batch: one
 * step an epoch on the exact gradient of the local loss (McMahan et al.'s FedSGD, with one epoch).
 * The gradient is summed over chunks of at most {@link #CHUNK} digits, each weighted by its share
 * of the data, so a large owner does not need one tape over all its digits; an owner with at most
 * {@code CHUNK} digits takes one plain step over all of them. With DP-SGD it means q = 1: every
 * digit in every step.
 */
public final class MnistLocalTrainer {
    /** The batch size that means "all of the owner's digits". */
    public static final int FULL_BATCH = 0;
    /** The most digits on one tape for a full batch (memory, not arithmetic, sets it). */
    static final int CHUNK = 512;

    /** How to train: the optimiser ({@code sgd} with momentum, or {@code adam}), its rate, epochs and batch. */
    public record Settings(int epochs, int batchSize, String optimizer, double lr, double momentum, double proximalMu,
                           float dropout) {
        public Settings {
            if (epochs < 1) {
                throw new IllegalArgumentException("local epochs must be at least 1, not " + epochs);
            }
            if (batchSize < 0 || batchSize > 4096) {
                throw new IllegalArgumentException("batch must be between 1 and 4096 (or 0: the whole local data set), not "
                        + batchSize);
            }
            if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
                throw new IllegalArgumentException("optimizer must be sgd or adam, not " + optimizer);
            }
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rate must be positive, not " + lr);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), not " + momentum);
            }
            if (!(proximalMu >= 0) || Double.isInfinite(proximalMu)) {
                throw new IllegalArgumentException("proximal mu must not be negative, not " + proximalMu);
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), not " + dropout);
            }
        }
    }

    /** Told after each local step: its number (from 1) and its batch's mean loss. */
    public interface StepListener {
        void step(long step, double loss);
    }

    /** What a local run produced. */
    public record Outcome(float[] parameters, long examples, long steps, double meanLoss, boolean budgetExhausted) {
    }

    private final ThreadPool pool;
    private final Mnist digits;

    public MnistLocalTrainer(ThreadPool pool, Mnist digits) {
        this.pool = Objects.requireNonNull(pool);
        this.digits = Objects.requireNonNull(digits);
        if (digits.size() < 1) {
            throw new IllegalArgumentException("a client needs at least one digit");
        }
    }

    public int examples() {
        return digits.size();
    }

    /**
     * Trains from {@code start}; {@code seed} fixes the initial model shape's dropout masks and the
     * order of digits (steps are numbered from {@code firstStep} so that rounds draw new masks);
     * {@code dp} is null for plain training.
     */
    public Outcome train(float[] start, Settings s, long seed, long firstStep, DpSgd dp, StepListener onStep) {
        MnistCnn model = new MnistCnn(seed, s.dropout());
        List<Parameter> params = model.parameters();
        ParameterVector.load(start, params);
        Optimizer optimizer = s.optimizer().equals("adam")
                ? new Adam(params)
                : new Sgd(params, Sgd.Options.DEFAULTS.withMomentum(s.momentum()));
        Workspace workspace = new Workspace();
        double lossSum = 0;
        long steps = 0;
        boolean exhausted = false;
        if (dp == null) {
            int n = digits.size();
            int[] order = new int[n];
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                SeededRandom.of(seed * 0x9E3779B97F4A7C15L + epoch + 1).shuffle(order);
                int size = s.batchSize() == FULL_BATCH ? n : s.batchSize();
                for (int at = 0; at < n; at += size) {
                    int b = Math.min(size, n - at);
                    int[] batch = java.util.Arrays.copyOfRange(order, at, at + b);
                    optimizer.zeroGrad();
                    double loss = b <= CHUNK
                            ? plainStep(model, batch, firstStep + steps, workspace)
                            : chunkedStep(model, params, batch, firstStep + steps, workspace);
                    lossSum += loss;
                    proximal(params, start, s.proximalMu());
                    step(optimizer, s.lr(), firstStep + steps);
                    workspace.recycle();
                    steps++;
                    onStep.step(steps, loss);
                }
            }
        } else {
            int n = digits.size();
            long planned = (long) s.epochs() * Math.max(1, Math.round(1 / dp.sampleRate()));
            // The per-example tape's capacity: the batch, or for a full batch its chunk.
            int capacity = s.batchSize() == FULL_BATCH ? Math.min(n, CHUNK) : s.batchSize();
            PerExampleGradients perExample = new PerExampleGradients(params, capacity);
            for (long k = 0; k < planned; k++) {
                if (!dp.canStep()) {
                    exhausted = true;
                    break;
                }
                int[] batch = poissonSample(n, dp);
                optimizer.zeroGrad();
                double loss = privateStep(model, params, batch, perExample, capacity, dp, firstStep + steps, workspace);
                lossSum += loss;
                proximal(params, start, s.proximalMu());
                step(optimizer, s.lr(), firstStep + steps);
                dp.stepped();
                steps++;
                onStep.step(steps, loss);
            }
        }
        return new Outcome(ParameterVector.of(params), digits.size(), steps, steps == 0 ? Double.NaN : lossSum / steps,
                exhausted);
    }

    private double plainStep(MnistCnn model, int[] batch, long step, Workspace workspace) {
        int b = batch.length;
        float[] images = new float[b * Mnist.PIXELS];
        int[] labels = new int[b];
        for (int j = 0; j < b; j++) {
            digits.normalizedImage(batch[j], images, j * Mnist.PIXELS);
            labels[j] = digits.label(batch[j]);
        }
        Tape tape = new Tape(pool, true, step, workspace);
        Tensor logits = model.forward(tape, Tensor.constant(images, b, Mnist.ROWS, Mnist.COLUMNS, 1));
        Tensor loss = Losses.softmaxCrossEntropy(tape, logits, labels);
        float value = loss.item();
        if (!Float.isFinite(value)) {
            throw new ArithmeticException("local step " + (step + 1) + ": the loss is " + value
                    + " (the learning rate is probably too high)");
        }
        tape.backward(loss);
        return value;
    }

    /**
     * The gradient of the mean loss over a batch larger than {@link #CHUNK}: each chunk's mean
     * gradient weighted by its share of the batch and summed in double, in chunk order (the same
     * bits on any machine), then left in the parameters' gradients for the optimiser.
     */
    private double chunkedStep(MnistCnn model, List<Parameter> params, int[] batch, long step, Workspace workspace) {
        double[][] sum = new double[params.size()][];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = new double[params.get(i).grad().length];
        }
        double lossSum = 0;
        for (int at = 0; at < batch.length; at += CHUNK) {
            int[] chunk = java.util.Arrays.copyOfRange(batch, at, Math.min(batch.length, at + CHUNK));
            double share = (double) chunk.length / batch.length;
            for (Parameter p : params) {
                java.util.Arrays.fill(p.grad(), 0f);
            }
            lossSum += share * plainStep(model, chunk, step, workspace);
            workspace.recycle();
            for (int i = 0; i < sum.length; i++) {
                float[] g = params.get(i).grad();
                for (int j = 0; j < g.length; j++) {
                    sum[i][j] += share * g[j];
                }
            }
        }
        for (int i = 0; i < sum.length; i++) {
            float[] g = params.get(i).grad();
            for (int j = 0; j < g.length; j++) {
                g[j] = (float) sum[i][j];
            }
        }
        return lossSum;
    }

    /**
     * One DP-SGD step over a Poisson batch: chunks of {@code capacity} digits through a
     * per-example tape (the last chunk padded with ignored rows, whose gradients are zero),
     * clipped sums added up chunk after chunk, then noise and the division by the expected size.
     */
    private double privateStep(MnistCnn model, List<Parameter> params, int[] batch, PerExampleGradients perExample,
                               int capacity, DpSgd dp, long step, Workspace workspace) {
        double lossSum = clippedSum(model, batch, perExample, capacity, dp.settings().maxGradNorm(), step, workspace);
        double std = dp.settings().noiseMultiplier() * dp.settings().maxGradNorm();
        GaussianMechanism.noiseAndScale(params, std, dp.sampleRate() * digits.size(), dp.random());
        return batch.length == 0 ? 0 : lossSum / batch.length;
    }

    /** A distributed DP-SGD step's contribution: see {@link #clippedGradientSum}. */
    public record GradientSum(float[] sum, int sampled, double meanLoss) {
    }

    /**
     * One step of distributed DP-SGD on this owner's digits: a Poisson sample (each digit in with
     * the run's probability q, from {@code dp}'s secure source), each digit's gradient at {@code
     * start} clipped to the norm C, summed, with no noise: the caller adds its share of the noise
     * before the sum leaves it (see {@code SecureParticipant}), and the secure sum of all clients'
     * shares carries the whole of it. Charges the step to {@code dp}.
     *
     * @throws IllegalStateException when {@code dp}'s budget allows no more steps
     */
    public GradientSum clippedGradientSum(float[] start, long seed, long step, DpSgd dp) {
        MnistCnn model = new MnistCnn(seed, 0.25f);
        List<Parameter> params = model.parameters();
        ParameterVector.load(start, params);
        dp.stepped();
        int[] batch = poissonSample(digits.size(), dp);
        int capacity = Math.max(1, Math.min(CHUNK, batch.length));
        double lossSum = batch.length == 0 ? 0 : clippedSum(model, batch, new PerExampleGradients(params, capacity), capacity,
                dp.settings().maxGradNorm(), step, new Workspace());
        return new GradientSum(ParameterVector.gradients(params), batch.length, batch.length == 0 ? Double.NaN
                : lossSum / batch.length);
    }

    /**
     * The per-example-clipped gradient sum of {@code batch}, left in the parameters' gradients:
     * chunks of {@code capacity} digits through a per-example tape (the last chunk padded with
     * ignored rows, whose gradients are zero), added up chunk after chunk. Returns the summed loss.
     */
    private double clippedSum(MnistCnn model, int[] batch, PerExampleGradients perExample, int capacity, double clip,
                              long step, Workspace workspace) {
        double lossSum = 0;
        for (int at = 0; at < batch.length; at += capacity) {
            int real = Math.min(capacity, batch.length - at);
            float[] images = new float[capacity * Mnist.PIXELS];
            int[] labels = new int[capacity];
            java.util.Arrays.fill(labels, -1);
            for (int j = 0; j < real; j++) {
                digits.normalizedImage(batch[at + j], images, j * Mnist.PIXELS);
                labels[j] = digits.label(batch[at + j]);
            }
            Tape tape = new Tape(pool, true, step, workspace).perExample(perExample);
            Tensor logits = model.forward(tape, Tensor.constant(images, capacity, Mnist.ROWS, Mnist.COLUMNS, 1));
            Tensor loss = Losses.softmaxCrossEntropyPerExample(tape, logits, labels, capacity);
            lossSum += loss.item();
            tape.backward(loss);
            Gradients.clipPerExampleAndSum(perExample, clip);
            workspace.recycle();
        }
        return lossSum;
    }

    /** Each digit in with probability q, independently, in index order. */
    private static int[] poissonSample(int n, DpSgd dp) {
        int[] picked = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (dp.random().nextDouble() < dp.sampleRate()) {
                picked[count++] = i;
            }
        }
        return java.util.Arrays.copyOf(picked, count);
    }

    private static void proximal(List<Parameter> params, float[] start, double mu) {
        if (mu == 0) {
            return;
        }
        int at = 0;
        float m = (float) mu;
        for (Parameter p : params) {
            float[] w = p.data();
            float[] g = p.grad();
            for (int i = 0; i < w.length; i++) {
                g[i] += m * (w[i] - start[at + i]);
            }
            at += w.length;
        }
    }

    private static void step(Optimizer optimizer, double lr, long step) {
        try {
            optimizer.step(lr);
        } catch (NonFiniteGradientException e) {
            throw new ArithmeticException("local step " + (step + 1) + ": " + e.getMessage()
                    + " (the learning rate is probably too high)");
        }
    }
}
