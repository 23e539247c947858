/**
 * Aggregation strategies for federated rounds, in the manner of Flower's {@code
 * flwr.server.strategy}: FedAvg, FedAvgM, FedProx, the FedOpt family (FedAdagrad, FedAdam,
 * FedYogi), and the Byzantine-robust rules FedMedian, FedTrimmedAvg, Krum, Multi-Krum and Bulyan.
 *
 * <p>A model is one flat {@code float[]} (the caller flattens its named tensors in a canonical
 * order); a client answers a round with a {@link dev.mycel.federated.strategy.ClientUpdate}; a
 * {@link dev.mycel.federated.strategy.Strategy} says what clients should do in a round ({@link
 * dev.mycel.federated.strategy.RoundConfig}) and turns the round's updates into the next global
 * model. {@link dev.mycel.federated.strategy.UpdateValidator} screens single updates before they
 * reach a strategy.
 *
 * <p><b>Same bits on every machine.</b> Every participant of a round must be able to recompute
 * its aggregate and get the same bits, so every rule here is a pure function of the multiset of
 * updates (and of the strategy's checkpointable server state):
 *
 * <ul>
 *   <li>updates are sorted by client id first, so the order they arrived in never matters, and
 *       every tie (equal Krum scores, equally close values in Bulyan) goes to the smaller id;
 *   <li>sums run in double in one fixed order and each output value is rounded to float once, at
 *       the end (Java's float and double arithmetic is the same on every JVM);
 *   <li>square roots use {@link java.lang.Math#sqrt} (correctly rounded), powers use {@link
 *       java.lang.StrictMath};
 *   <li>no parallel streams, and no iteration over hash-ordered collections.
 * </ul>
 *
 * <p>Because they sum in double and round once, the results can differ from Flower's (which
 * computes in numpy float32) in the last bits; the formulas are Flower's.
 */
package dev.mycel.federated.strategy;
