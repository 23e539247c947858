/**
 * Training with the same bits on every machine: reverse-mode automatic differentiation over
 * the kernels of {@code mycel-tensor}, layers, optimisers, checkpoints, data sets and the
 * partitioners federated learning draws its clients' shards from.
 */
package dev.mycel.train;
