package dev.mycel.train.run;

/**
 * One optimiser step.
 *
 * @param step steps done so far (1 after the first)
 * @param totalSteps steps the run will have done when it ends
 * @param epoch the pass over the training data this step belongs to (from 1); 0 where the task
 *     samples batches instead of passing over the data in epochs
 * @param loss the training loss of the step's batch, before the update
 * @param lr the learning rate used
 * @param examplesPerSecond examples (or tokens) per second of this run so far, timed steps only
 * @param seconds seconds since the run (or its resumption) started
 */
public record StepReport(long step, long totalSteps, int epoch, float loss, double lr, double examplesPerSecond,
                         double seconds) {
}
