package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients, one step at a time, with the same bits on every
 * machine.
 *
 * <p>The learning rate is given to each {@link #step(double)}, so that schedules stay pure
 * functions of the step number outside the optimiser ({@link #step(LrSchedule)} asks a schedule
 * for the rate of step {@link #stepCount()}). A parameter whose gradient is {@code null} (no
 * gradient has ever reached it) is skipped, as PyTorch skips a parameter whose {@code grad} is
 * {@code None}: its values and its state do not change and its own step count stays put. Before
 * changing anything, a step checks every gradient and throws {@link NonFiniteGradientException},
 * naming the parameter, when one holds NaN or an infinity; a step is thus all or nothing.
 *
 * <p>{@link #state()} and {@link #loadState} export and import everything a resumed run needs to
 * continue with the same bits: the step count, and per parameter its own step count and its slot
 * arrays (named as PyTorch names them: {@code momentum_buffer}, {@code exp_avg}, {@code
 * exp_avg_sq}).
 */
public interface Optimizer {
    /** The optimiser's name as checkpoints record it: {@code "sgd"}, {@code "adam"} or {@code "adamw"}. */
    String kind();

    /** The parameters updated, in the order given at construction. */
    List<Parameter> parameters();

    /**
     * The hyper-parameters fixed at construction, in a fixed order, as text that reads back to
     * the same values ({@link Double#toString}); checkpoints record them. The learning rate is
     * not among them: it is given to every step.
     */
    Map<String, String> hyperParameters();

    /** The names of the arrays kept per parameter, each the size of the parameter. */
    List<String> slotNames();

    /** Number of steps taken (also the index of the next step, counting from 0). */
    long stepCount();

    /**
     * Updates every parameter that has a gradient, with learning rate {@code lr}.
     *
     * @throws IllegalArgumentException when {@code lr} is negative, NaN or infinite
     * @throws NonFiniteGradientException when a gradient holds NaN or an infinity (nothing is
     *     changed then)
     */
    void step(double lr);

    /** {@link #step(double)} with the rate {@code schedule} gives for step {@link #stepCount()}. */
    default void step(LrSchedule schedule) {
        step(schedule.lr(stepCount()));
    }

    /** Sets every gradient to zero (gradients not yet allocated stay unallocated). */
    default void zeroGrad() {
        for (Parameter p : parameters()) {
            p.value().zeroGrad();
        }
    }

    /** A copy of the whole state, for checkpoints. */
    OptimizerState state();

    /**
     * Replaces the state with a copy of {@code state}, which must be of this kind and cover these
     * parameters (same names, same order, same sizes, the same slots); nothing is changed when
     * it does not.
     *
     * @throws IllegalArgumentException naming what does not match
     */
    void loadState(OptimizerState state);
}
