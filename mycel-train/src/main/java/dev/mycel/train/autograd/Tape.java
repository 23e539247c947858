package dev.mycel.train.autograd;

import dev.mycel.tensor.ThreadPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Records, during one forward pass, how to send gradients back through each operation, and
 * replays those steps in reverse ({@link #backward}).
 *
 * <p>Operations are recorded in the order the forward pass ran them, on one thread, and replayed
 * in exactly the reverse order; where two consumers add into the same gradient, they therefore
 * always add in the same order, which keeps gradients bit-identical from run to run. Kernels
 * inside a step may use the pool's threads, each splitting its work by output element.
 */
public final class Tape {
    /** Sends the gradient of one operation's output to its inputs. */
    @FunctionalInterface
    public interface Step {
        void backward();
    }

    private final ThreadPool pool;
    private final boolean training;
    private final long step;
    private final Workspace workspace;
    private final List<Step> steps = new ArrayList<>();
    /** Where parameterised operations write each example's gradient, or null (ordinary gradients). */
    private PerExampleGradients perExample;

    /**
     * @param pool the threads kernels may use
     * @param training whether layers behave as in training (dropout on) and gradients are recorded
     * @param step the optimiser step this pass belongs to: seeds dropout, so a resumed run draws
     *     the same masks as an uninterrupted one
     */
    public Tape(ThreadPool pool, boolean training, long step) {
        this(pool, training, step, null);
    }

    /**
     * As {@link #Tape(ThreadPool, boolean, long)}, drawing intermediate values and their
     * gradients from {@code workspace} (null: fresh arrays), which the caller recycles once the
     * step is over.
     */
    public Tape(ThreadPool pool, boolean training, long step, Workspace workspace) {
        this.pool = pool;
        this.training = training;
        this.step = step;
        this.workspace = workspace;
    }

    /**
     * Makes this a per-example tape: the batch holds {@code store.examples()} examples whose rows
     * are contiguous and equal in number, and the backward pass writes each example's gradient of
     * the store's parameters into the store (zeroed here) instead of adding the batch gradient
     * into theirs. See {@link PerExampleGradients} for what each operation does. The loss must
     * treat examples apart ({@link Losses#softmaxCrossEntropyPerExample}).
     *
     * @return this tape
     * @throws IllegalStateException when operations were already recorded, or a store was already bound
     * @throws IllegalArgumentException when the tape is not a training tape
     */
    public Tape perExample(PerExampleGradients store) {
        if (store == null) {
            throw new NullPointerException("store");
        }
        if (!training) {
            throw new IllegalArgumentException("per-example gradients need a training tape");
        }
        if (perExample != null) {
            throw new IllegalStateException("this tape already keeps per-example gradients");
        }
        if (!steps.isEmpty()) {
            throw new IllegalStateException("per-example gradients must be asked for before the forward pass, not after "
                    + steps.size() + " operations");
        }
        store.zero();
        perExample = store;
        return this;
    }

    /** The per-example gradients this tape fills, or null when it collects ordinary gradients. */
    public PerExampleGradients perExample() {
        return perExample;
    }

    /** Examples per batch on a per-example tape; 0 on an ordinary one. */
    public int examples() {
        return perExample == null ? 0 : perExample.examples();
    }

    /**
     * On a per-example tape, checks that {@code units} (images, sequences: what an operation
     * treats as independent) split into whole examples; does nothing on an ordinary tape.
     *
     * @throws IllegalArgumentException naming {@code what} when they do not
     */
    public void requireWholeExamples(int units, String what) {
        if (perExample != null && units % perExample.examples() != 0) {
            throw new IllegalArgumentException(units + " " + what + " do not split into " + perExample.examples()
                    + " examples of equal size: per-example gradients need each example to hold whole " + what);
        }
    }

    /** A zero-filled intermediate value. */
    public Tensor zeros(boolean requiresGrad, int... shape) {
        return Tensor.zeros(workspace, requiresGrad, shape);
    }

    /** An intermediate value over {@code data} (from {@link #scratch}), its gradient drawn like its data. */
    public Tensor wrap(float[] data, boolean requiresGrad, int... shape) {
        return Tensor.over(workspace, data, requiresGrad, shape);
    }

    /** A zero-filled scratch array that lives as long as the step. */
    public float[] scratch(int size) {
        return workspace != null ? workspace.take(size) : new float[size];
    }

    /**
     * A scratch array that lives as long as the step, with undefined contents: only for arrays
     * the caller writes whole before reading.
     */
    public float[] scratchUninitialised(int size) {
        return workspace != null ? workspace.takeUninitialised(size) : new float[size];
    }

    public ThreadPool pool() {
        return pool;
    }

    public boolean training() {
        return training;
    }

    public long step() {
        return step;
    }

    /** Whether an operation on these inputs must record a backward step. */
    public boolean tracks(Tensor... inputs) {
        if (!training) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Adds a backward step (operations call this after computing their output). */
    public void record(Step backward) {
        steps.add(backward);
    }

    /** Number of steps recorded. */
    public int size() {
        return steps.size();
    }

    /**
     * Seeds the gradient of the one-element {@code loss} with 1 and runs every recorded step in
     * reverse. The tape is empty afterwards. On a {@link #perExample per-example} tape the
     * store's parameters' ordinary gradients are left alone; an operation that tries to add into
     * one throws {@link IllegalStateException}.
     */
    public void backward(Tensor loss) {
        if (loss.size() != 1) {
            throw new IllegalArgumentException("backward needs a one-element loss, not " + loss);
        }
        if (!loss.requiresGrad()) {
            throw new IllegalArgumentException("the loss does not depend on anything trainable");
        }
        loss.gradForUpdate()[0] += 1f;
        if (perExample != null) {
            perExample.lock(true);
        }
        try {
            for (int i = steps.size() - 1; i >= 0; i--) {
                steps.get(i).backward();
                steps.set(i, null);
            }
        } finally {
            if (perExample != null) {
                perExample.lock(false);
            }
            steps.clear();
        }
    }
}
