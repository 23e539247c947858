package dev.mycel.train.run;

/**
 * Training produced a NaN or infinite loss or gradient. Nothing was saved from the step that
 * did: the last checkpoint, if any, still holds good weights.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final long step;

    public TrainingDivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The step (counting from 1) whose loss or gradient was not finite. */
    public long step() {
        return step;
    }
}
