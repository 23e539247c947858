/**
 * Byzantine attacks on federated aggregation, for tests and for {@code mycel fl simulate
 * --byzantine 0.2:signflip}: given a round's honest updates and global model, an {@link
 * dev.mycel.federated.attack.Attack} forges the updates its attackers send instead.
 *
 * <p>The attackers are assumed to see every honest update of the round, the strongest (and
 * usual) threat model of the papers these attacks come from. Like the strategies, the attacks are
 * deterministic: inputs are sorted by client id, sums run in double in a fixed order with one
 * rounding to float at the end, and the only randomness comes from a {@link
 * java.util.SplittableRandom} (whose algorithm Java specifies exactly) seeded explicitly, with
 * {@link java.lang.StrictMath} for the transcendental functions, so a simulation repeats bit for
 * bit on every machine.
 */
package dev.mycel.federated.attack;
