package dev.mycel.train.run;

/**
 * An evaluation on held-out data.
 *
 * @param step steps done when it was made
 * @param epoch the epoch just finished (0 where the task has none)
 * @param loss mean loss over the held-out data
 * @param accuracy fraction classified right, or NaN where the task has no accuracy
 */
public record EvalReport(long step, int epoch, double loss, double accuracy) {
}
