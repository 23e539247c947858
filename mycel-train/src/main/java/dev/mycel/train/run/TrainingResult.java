package dev.mycel.train.run;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param steps optimiser steps done in all (including those before a resumption)
 * @param loss the last held-out loss (the training loss of the last step where nothing is held out)
 * @param accuracy the last held-out accuracy, NaN where the task has none
 * @param modelSha256 SHA-256 of the canonical weight bytes
 * @param seconds wall time of this run (not counting runs it resumed)
 * @param examplesPerSecond training examples (or tokens) per second of this run
 * @param checkpoint the last checkpoint written, or null
 */
public record TrainingResult(long steps, double loss, double accuracy, String modelSha256, double seconds,
                             double examplesPerSecond, Path checkpoint) {
}
