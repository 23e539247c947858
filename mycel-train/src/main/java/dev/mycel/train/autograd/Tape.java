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
     * reverse. The tape is empty afterwards.
     */
    public void backward(Tensor loss) {
        if (loss.size() != 1) {
            throw new IllegalArgumentException("backward needs a one-element loss, not " + loss);
        }
        if (!loss.requiresGrad()) {
            throw new IllegalArgumentException("the loss does not depend on anything trainable");
        }
        loss.gradForUpdate()[0] += 1f;
        for (int i = steps.size() - 1; i >= 0; i--) {
            steps.get(i).backward();
            steps.set(i, null);
        }
        steps.clear();
    }
}
