package dev.mycel.train.autograd;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.nn.Parameter;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradient of every example of a batch on its own, for differentially private SGD (clip each
 * example's gradient, sum, add noise): for each parameter one array of {@code examples × size}
 * floats, example e's gradient at {@code e·size}.
 *
 * <p>A {@link Tape#perExample(PerExampleGradients) per-example tape} fills it in one forward and
 * one backward pass over the whole batch, with no pass over a batch of one. Its batch holds
 * {@link #examples()} examples whose rows are contiguous and equal in number (an op over n rows
 * gives each example n / examples of them: one row of an MLP, the T positions of a sequence, the
 * oh·ow output positions of an image in a convolution). Each parameterised operation writes,
 * during its backward step, each example's gradient of its parameters here:
 *
 * <ul>
 *   <li>{@link MatrixOps#linear linear}: {@code dW_e = dY_eᵀ·X_e}, one matrix product per example
 *       whose sum runs over that example's rows (the outer-product trick, batched by example);
 *       {@code db_e} the column sums of the example's rows of dY;
 *   <li>{@link ConvOps#conv2d conv2d}: the same, through the linear over patches (k = oh·ow);
 *       the weight's gradient lands under the convolution's own weight;
 *   <li>{@link EmbeddingOps#embedding embedding}: the example's rows of dY added into its copy
 *       of the table, in the order of its ids;
 *   <li>{@link NormOps#rmsNorm RMSNorm} and {@link NormOps#layerNorm LayerNorm}: sums over the
 *       example's rows.
 * </ul>
 *
 * <p>None falls back to a loop over batches of one. Every per-example sum runs over that
 * example's rows in the order a batch holding only that example sums them, from zero, so example
 * e's gradient is bit for bit the ordinary gradient of a batch of that example alone (given a
 * loss that treats examples apart, {@link Losses#softmaxCrossEntropyPerExample}; dropout draws
 * its mask by position in the batch, so with dropout on the comparison holds only for masks
 * drawn alike).
 *
 * <p>While the backward pass runs, the parameters listed here do not get an ordinary gradient
 * (that would be the unclipped batch gradient, which DP-SGD must not use, and another matrix
 * product of the same size): their {@code grad} is left as it was, and an operation without
 * per-example support that tries to add into it throws, naming the parameter. Parameters not
 * listed get ordinary gradients.
 *
 * <p>Memory: {@code examples × } the parameter count floats (an MNIST CNN of 225,000 parameters
 * at 64 examples: 14 million floats, 58 MB), allocated once; a tape zeroes them when it binds
 * them, so one store serves every step.
 *
 * <p>A DP-SGD step (the noise is the caller's):
 *
 * <pre>{@code
 * PerExampleGradients perExample = new PerExampleGradients(model.parameters(), batch); // once
 * ...
 * optimizer.zeroGrad();
 * Tape tape = new Tape(pool, true, step, workspace).perExample(perExample);
 * Tensor logits = model.forward(tape, images);                 // batch examples, rows contiguous
 * tape.backward(Losses.softmaxCrossEntropyPerExample(tape, logits, labels, batch));
 * Gradients.clipPerExampleAndSum(perExample, maxNorm);         // Σ_e clip(g_e) into each .grad
 * // add noise, divide by the batch, step
 * }</pre>
 */
public final class PerExampleGradients {
    private final int examples;
    private final List<Parameter> parameters;
    private final float[][] gradients;
    private final Map<Tensor, Integer> index = new IdentityHashMap<>();

    /**
     * @param parameters the parameters whose per-example gradients to keep, in the model's order
     *     (the order norms sum in)
     * @param examples the examples in a batch, at least 1
     */
    public PerExampleGradients(List<Parameter> parameters, int examples) {
        if (examples < 1) {
            throw new IllegalArgumentException("per-example gradients need at least one example per batch, not "
                    + examples);
        }
        this.examples = examples;
        this.parameters = List.copyOf(parameters);
        this.gradients = new float[this.parameters.size()][];
        for (int i = 0; i < this.parameters.size(); i++) {
            Parameter p = this.parameters.get(i);
            Integer before = index.putIfAbsent(p.value().root(), i);
            if (before != null) {
                throw new IllegalArgumentException("parameter " + p.name() + " shares its values with "
                        + this.parameters.get(before).name() + ", listed before it");
            }
            long floats = (long) examples * p.size();
            if (floats > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(examples + " examples of parameter " + p.name() + " ("
                        + p.size() + " values) do not fit one array");
            }
            gradients[i] = new float[(int) floats];
        }
    }

    public int examples() {
        return examples;
    }

    /** The parameters, in the order given. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The per-example gradients of {@code p} (shared, not a copy): example e's at
     * {@code e·p.size()} .. {@code (e+1)·p.size()}.
     */
    public float[] gradients(Parameter p) {
        Integer i = index.get(p.value().root());
        if (i == null) {
            throw new IllegalArgumentException("parameter " + p.name() + " is not one of these per-example gradients'");
        }
        return gradients[i];
    }

    /** Example {@code example}'s gradient of {@code p}, copied. */
    public float[] gradient(Parameter p, int example) {
        checkExample(example);
        int size = p.size();
        return Arrays.copyOfRange(gradients(p), example * size, (example + 1) * size);
    }

    /**
     * The L2 norm of example {@code example}'s gradient over all parameters together, as
     * {@code Gradients.globalNorm} computes a batch gradient's: {@code Math.sqrt(sum)}, the
     * double {@code sum} adding {@code (double) g * g} for every element, parameters in order,
     * elements in order. NaN or infinite when a gradient is.
     */
    public double norm(int example) {
        checkExample(example);
        double sum = 0;
        for (int i = 0; i < gradients.length; i++) {
            float[] g = gradients[i];
            int size = parameters.get(i).size();
            for (int j = example * size, end = j + size; j < end; j++) {
                sum += (double) g[j] * g[j];
            }
        }
        return Math.sqrt(sum);
    }

    /** {@link #norm} of every example, in example order. */
    public double[] norms() {
        double[] norms = new double[examples];
        for (int e = 0; e < examples; e++) {
            norms[e] = norm(e);
        }
        return norms;
    }

    /** {@link #norm} of every example, the examples shared among {@code pool}'s threads (the same bits). */
    public double[] norms(ThreadPool pool) {
        double[] norms = new double[examples];
        pool.parallelFor(examples, 1, (from, to) -> {
            for (int e = from; e < to; e++) {
                norms[e] = norm(e);
            }
        });
        return norms;
    }

    /** Total floats held: examples × parameter count. */
    public long floats() {
        long n = 0;
        for (float[] g : gradients) {
            n += g.length;
        }
        return n;
    }

    /** Sets every per-example gradient to zero. */
    public void zero() {
        for (float[] g : gradients) {
            Arrays.fill(g, 0f);
        }
    }

    /**
     * The per-example gradient array of the parameter {@code t} is (or is a view of), or null when
     * it is not listed here.
     */
    float[] slot(Tensor t) {
        if (t == null) {
            return null;
        }
        Integer i = index.get(t.root());
        return i == null ? null : gradients[i];
    }

    /**
     * The rows each example holds when an operation over {@code rows} rows sees the batch.
     *
     * @throws IllegalArgumentException when the rows do not split into {@link #examples()} equal parts
     */
    int rowsPerExample(int rows, String what) {
        if (rows % examples != 0) {
            throw new IllegalArgumentException(what + ": " + rows + " rows do not split into " + examples
                    + " examples of equal size (per-example gradients need each example's rows contiguous"
                    + " and equal in number)");
        }
        return rows / examples;
    }

    /** Refuses (or, {@code on} false, allows again) ordinary gradients for the listed parameters. */
    void lock(boolean on) {
        for (Parameter p : parameters) {
            p.value().lockGrad(on ? "parameter " + p.name() + " gets per-example gradients on this tape, but an"
                    + " operation without per-example support tried to add into its ordinary gradient" : null);
        }
    }

    private void checkExample(int example) {
        if (example < 0 || example >= examples) {
            throw new IndexOutOfBoundsException("example " + example + " of " + examples);
        }
    }

    /** One example's share of a backward step. */
    @FunctionalInterface
    interface ExampleTask {
        /** Does example {@code example}'s work, any matrix products on {@code pool}. */
        void run(int example, ThreadPool pool);
    }

    /** Each example's products run on the example's own thread. */
    private static final ThreadPool SERIAL = CallingThread.POOL;

    /**
     * Runs {@code task} for every example: with at least as many examples as threads, the
     * examples are shared among the threads and each runs its products on one thread; with fewer,
     * they run in order, each product on the whole pool. Products give the same bits on any
     * number of threads and each example writes only its own gradients, so either way gives the
     * same bits.
     */
    void forEachExample(ThreadPool pool, ExampleTask task) {
        if (examples >= pool.threads()) {
            pool.parallelFor(examples, 1, (from, to) -> {
                for (int e = from; e < to; e++) {
                    task.run(e, SERIAL);
                }
            });
        } else {
            for (int e = 0; e < examples; e++) {
                task.run(e, pool);
            }
        }
    }
}
