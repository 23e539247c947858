package dev.mycel.federated.round;

import dev.mycel.federated.secagg.NeighbourGraph;
import dev.mycel.federated.secagg.Quantizer;
import dev.mycel.federated.secagg.SecAggParameters;
import dev.mycel.net.identity.CanonicalWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The public setup of one round with secure aggregation, as the coordinator sends it to every
 * client it picked: the round seed that fixes the neighbour graph, the participants, the Shamir
 * threshold and the graph's degree, the clipping norm S of each update (the quantiser's range)
 * and the weight bound W (0: every client weighs the same). From it and the model's length every
 * client builds the same {@link SecAggParameters}.
 *
 * <p>{@code noiseShares} m' is for distributed DP (each client adds N(0, σ²/m') to its values,
 * so that the sum of at least m' of them carries the full noise σ): the coordinator does not ask
 * for unmasking shares when fewer than m' clients sent masked inputs, and a client does not
 * reveal its shares when told of fewer. 0 when no client adds a share of the noise.
 *
 * <p>The coordinator draws the seed: it could pick a seed whose graph surrounds a target with
 * colluding clients. A seed nobody can bias (a commitment round or a public beacon) is future
 * work, named in the notes.
 */
public record SecureSetup(byte[] roundSeed, List<String> participants, int threshold, int degree, double clipNorm,
                          long weightBound, double valueRange, boolean countWithin, int noiseShares) {
    /** A setup whose values are the clipped updates alone (no client adds noise): the range is the clipping norm. */
    public SecureSetup(byte[] roundSeed, List<String> participants, int threshold, int degree, double clipNorm, long weightBound) {
        this(roundSeed, participants, threshold, degree, clipNorm, weightBound, clipNorm, false, 0);
    }

    public SecureSetup {
        roundSeed = roundSeed.clone();
        participants = List.copyOf(participants);
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("secure aggregation needs a finite clipping norm above 0, not " + clipNorm);
        }
        if (weightBound < 0) {
            throw new IllegalArgumentException("the weight bound must be 0 (equal weights) or positive, not " + weightBound);
        }
        if (!(valueRange >= clipNorm) || Double.isInfinite(valueRange)) {
            throw new IllegalArgumentException("the fixed-point range must be finite and at least the clipping norm " + clipNorm
                    + ", not " + valueRange);
        }
        if (noiseShares < 0 || noiseShares > participants.size()) {
            throw new IllegalArgumentException("the noise is shared among 0 to " + participants.size() + " clients, not " + noiseShares);
        }
    }

    /**
     * The same setup with room for noise each client adds after clipping, of standard deviation
     * {@code noiseStd} per value: the fixed-point range grows to {@code S + 8 noiseStd}, so a
     * value is clamped with probability about 10<sup>-15</sup>.
     */
    public SecureSetup withNoiseRoom(double noiseStd) {
        return new SecureSetup(roundSeed, participants, threshold, degree, clipNorm, weightBound, clipNorm + 8 * noiseStd,
                countWithin, noiseShares);
    }

    /**
     * The same setup for distributed DP: each client adds 1/{@code shares} of the noise's variance,
     * so the sum may only be unmasked with at least that many inputs in it.
     *
     * @throws IllegalArgumentException when more clients would be needed than were picked
     */
    public SecureSetup withNoiseShares(int shares) {
        if (shares > participants.size()) {
            throw new IllegalArgumentException("the round's noise is shared among " + shares + " clients, but only "
                    + participants.size() + " were picked");
        }
        return new SecureSetup(roundSeed, participants, threshold, degree, clipNorm, weightBound, valueRange, countWithin, shares);
    }

    /**
     * The same setup with one more value per client: S when its update was within the clipping
     * norm before clipping, else 0. Their sum is the count adaptive clipping (Andrew et al. 2021)
     * needs, learnt without seeing any one norm.
     */
    public SecureSetup withWithinCount() {
        return new SecureSetup(roundSeed, participants, threshold, degree, clipNorm, weightBound, valueRange, true, noiseShares);
    }

    /** How many values a client sends: the model's, its weight, and the within-clip flag when counted. */
    public int vectorLength(int modelLength) {
        return modelLength + (countWithin ? 2 : 1);
    }

    @Override
    public byte[] roundSeed() {
        return roundSeed.clone();
    }

    /** The share of a round's clients that may drop out after sharing keys without costing the sum. */
    public static final double DROPOUT_TOLERANCE = 1.0 / 3;

    /**
     * The setup for these picked clients: the degree from {@link #degreeFor}, the lowest safe
     * threshold {@code floor(k/2) + 1} and a fresh 32-byte seed.
     *
     * @throws IllegalArgumentException when fewer than 3 clients were picked (SecAgg+ needs each
     *     client's secret shared among at least two neighbours)
     */
    public static SecureSetup draw(List<String> picked, double clipNorm, long weightBound, SecureRandom random) {
        List<String> sorted = new ArrayList<>(picked);
        sorted.sort(null);
        int n = sorted.size();
        if (n < 3) {
            throw new IllegalArgumentException("secure aggregation needs at least 3 clients in a round, " + n + " were picked");
        }
        int k = degreeFor(n, DROPOUT_TOLERANCE);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return new SecureSetup(seed, sorted, SecAggParameters.defaultThreshold(k), k, clipNorm, weightBound);
    }

    /**
     * The fewest neighbours each of {@code n} clients needs so that, when each drops with
     * probability {@code dropout}, some survivor is left with fewer than {@code t = floor(k/2) +
     * 1} live neighbours (and the round has no sum) with probability at most 10<sup>-6</sup>
     * (a union bound over the n clients of a binomial tail). SecAgg+'s {@code 2 ceil(log2 n)}
     * is the least tried. The threshold above k/2, which stops a lying coordinator from
     * collecting both of a client's secrets, makes this need many neighbours at high drop-out
     * rates: at a third, every other client (plain SecAgg) up to a few hundred clients; a third
     * dropping, however chosen, then still leaves each survivor {@code n - 1 - n/3 >= t} live
     * neighbours.
     */
    public static int degreeFor(int n, double dropout) {
        int complete = n - 1;
        for (int k = NeighbourGraph.defaultDegree(n); k < complete; k += 2) {
            int t = SecAggParameters.defaultThreshold(k);
            if (n * binomialTailAbove(k, dropout, k - t) <= 1e-6) {
                return k;
            }
        }
        return complete;
    }

    /** P(Bin(k, p) > m). */
    private static double binomialTailAbove(int k, double p, int m) {
        double tail = 0;
        for (int j = m + 1; j <= k; j++) {
            tail += Math.exp(logChoose(k, j) + j * Math.log(p) + (k - j) * Math.log1p(-p));
        }
        return tail;
    }

    private static double logChoose(int n, int k) {
        double r = 0;
        for (int i = 1; i <= k; i++) {
            r += Math.log(n - k + i) - Math.log(i);
        }
        return r;
    }

    /** The SecAgg round id: the run and the round, so no key, share or mask serves two rounds. */
    public static String roundId(String runId, int round) {
        return runId + "/" + round;
    }

    /** The protocol parameters for a model of {@code modelLength} values (see {@link #vectorLength}). */
    public SecAggParameters parameters(String runId, int round, int modelLength) {
        return SecAggParameters.of(roundId(runId, round), participants, threshold, degree, vectorLength(modelLength),
                Quantizer.forParticipants(valueRange, participants.size()), roundSeed);
    }

    /** The setup's canonical bytes, as a transcript hash covers them. */
    byte[] canonicalBytes() {
        CanonicalWriter w = new CanonicalWriter("mycel/fl/secagg-setup/v1").bytes(roundSeed).u32(participants.size());
        for (String p : participants) {
            w.text(p);
        }
        return w.u32(threshold).u32(degree).u64(Double.doubleToLongBits(clipNorm)).u64(weightBound)
                .u64(Double.doubleToLongBits(valueRange)).u8(countWithin ? 1 : 0).u32(noiseShares).toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecureSetup s && java.util.Arrays.equals(canonicalBytes(), s.canonicalBytes());
    }

    @Override
    public int hashCode() {
        return Objects.hash(participants, threshold, degree, clipNorm, weightBound);
    }
}
