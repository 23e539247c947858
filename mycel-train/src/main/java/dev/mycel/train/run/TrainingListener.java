package dev.mycel.train.run;

/** What a training run reports as it goes (the command line draws a progress bar from it). */
public interface TrainingListener {
    /** After every optimiser step. */
    default void step(StepReport report) {
    }

    /** After every evaluation on held-out data. */
    default void evaluated(EvalReport report) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
