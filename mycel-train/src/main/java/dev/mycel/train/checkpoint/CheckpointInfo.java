package dev.mycel.train.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a checkpoint's metadata says.
 *
 * @param formatVersion the checkpoint format version ({@value TrainingCheckpoint#FORMAT_VERSION})
 * @param step the number of optimiser steps taken when it was saved (the next step's index)
 * @param optimizer the optimiser's {@link dev.mycel.train.optim.Optimizer#kind() kind}
 * @param optimizerHyperParameters the optimiser's {@link
 *     dev.mycel.train.optim.Optimizer#hyperParameters() hyper-parameters}, by name
 * @param rngState the random number generator state the trainer saved, as it gave it
 * @param extra the other settings the trainer saved (model configuration, data seed...)
 */
public record CheckpointInfo(int formatVersion, long step, String optimizer,
        Map<String, String> optimizerHyperParameters, Map<String, String> rngState, Map<String, String> extra) {
    public CheckpointInfo {
        optimizerHyperParameters = copy(optimizerHyperParameters);
        rngState = copy(rngState);
        extra = copy(extra);
    }

    private static Map<String, String> copy(Map<String, String> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
