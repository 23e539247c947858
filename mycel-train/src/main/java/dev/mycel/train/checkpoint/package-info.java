/**
 * Training checkpoints: the parameters, the optimiser's state, the step, the trainer's random
 * number generator state and any caller-given settings, in one safetensors file written
 * atomically, so that a run stopped at any point resumes with the same bits as if it had never
 * stopped. See {@link dev.mycel.train.checkpoint.TrainingCheckpoint}.
 */
package dev.mycel.train.checkpoint;
