package dev.mycel.federated.secagg;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The public setup of one secure-aggregation round, fixed by the coordinator and known to every
 * party: the round id (bound into every key derivation, every AEAD's associated data and every message, so
 * nothing carries over between rounds), the participants (sorted by id; id order also gives the
 * sign of each pairwise mask), the neighbour graph from the public round seed, the threshold
 * {@code t}, the vector length and the quantiser.
 *
 * <p>Checks, each refused with a message that says what is wrong:
 * <ul>
 *   <li>at least 3 distinct, non-blank participant ids (a client's secrets are shared among its
 *       neighbours only, and {@code t >= 2} of them must be needed);
 *   <li>a degree the graph can have ({@link NeighbourGraph#create}) and at most 255 (the most
 *       shares BouncyCastle's GF(2<sup>8</sup>) Shamir splitter makes);
 *   <li>{@code 2 <= t <= k}, and {@code t > k/2}: with {@code t <= k/2} a coordinator that lies
 *       about who dropped (telling half of a client's neighbours that it survived and the other
 *       half that it dropped) could collect {@code t} shares of both its mask seed and its mask
 *       key and so unmask its input;
 *   <li>a vector length of at least 1;
 *   <li>the quantiser's headroom for {@code n} participants ({@link Quantizer#checkHeadroom}).
 * </ul>
 */
public final class SecAggParameters {
    /** Most shares one secret can be split into (BouncyCastle's Shamir over GF(2^8)). */
    public static final int MAX_DEGREE = 255;

    private final String roundId;
    private final List<String> participants;
    private final int threshold;
    private final int vectorLength;
    private final Quantizer quantizer;
    private final byte[] roundSeed;
    private final NeighbourGraph graph;

    private SecAggParameters(String roundId, List<String> participants, int threshold, int vectorLength, Quantizer quantizer,
            byte[] roundSeed, NeighbourGraph graph) {
        this.roundId = roundId;
        this.participants = participants;
        this.threshold = threshold;
        this.vectorLength = vectorLength;
        this.quantizer = quantizer;
        this.roundSeed = roundSeed;
        this.graph = graph;
    }

    /**
     * A round with every choice explicit.
     *
     * @param roundId unique per round; bound into every derived key
     * @param participants distinct client ids (any order; kept sorted)
     * @param threshold t, the shares needed to rebuild a secret
     * @param degree k, each client's number of neighbours (even, or n - 1 for the complete graph)
     * @param vectorLength the length of each client's input
     * @param quantizer the fixed-point encoding; must have headroom for all participants
     * @param roundSeed public randomness that fixes the neighbour graph
     * @throws IllegalArgumentException with the reason, for any check in the class comment
     */
    public static SecAggParameters of(String roundId, Collection<String> participants, int threshold, int degree, int vectorLength,
            Quantizer quantizer, byte[] roundSeed) {
        if (roundId == null || roundId.isBlank()) {
            throw new IllegalArgumentException("round id must not be blank");
        }
        if (participants == null) {
            throw new IllegalArgumentException("participants must not be null");
        }
        List<String> ids = new ArrayList<>(participants.size());
        for (String id : participants) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("participant ids must not be null or blank");
            }
            ids.add(id);
        }
        ids.sort(null);
        for (int i = 1; i < ids.size(); i++) {
            if (ids.get(i).equals(ids.get(i - 1))) {
                throw new IllegalArgumentException("participant '" + ids.get(i) + "' is listed twice");
            }
        }
        int n = ids.size();
        if (n < 3) {
            throw new IllegalArgumentException("secure aggregation needs at least 3 participants, got " + n
                    + ": each client's secrets are split among its neighbours and at least t = 2 of them must be needed to rebuild one"
                    + " (and with 2 each would learn the other's input from the sum anyway)");
        }
        if (degree > MAX_DEGREE) {
            throw new IllegalArgumentException("degree k = " + degree + " exceeds " + MAX_DEGREE
                    + ", the most Shamir shares over GF(2^8) allow (SecAgg+ needs only O(log n) neighbours)");
        }
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold t = " + threshold
                    + " is too low: t must be at least 2, or any single neighbour could rebuild a client's secrets alone");
        }
        if (threshold > degree) {
            throw new IllegalArgumentException("threshold t = " + threshold + " exceeds the neighbour count k = " + degree
                    + ": no client's secrets could ever be rebuilt from its neighbours' shares");
        }
        if (2 * threshold <= degree) {
            throw new IllegalArgumentException("threshold t = " + threshold + " is not more than half of k = " + degree
                    + ": a coordinator lying about who dropped could collect t shares of both a client's mask seed and its mask key"
                    + " from two halves of its neighbours; need t >= " + (degree / 2 + 1));
        }
        if (vectorLength < 1) {
            throw new IllegalArgumentException("vector length must be at least 1, got " + vectorLength);
        }
        if (quantizer == null) {
            throw new IllegalArgumentException("quantizer must not be null");
        }
        quantizer.checkHeadroom(n);
        if (roundSeed == null || roundSeed.length == 0) {
            throw new IllegalArgumentException("round seed must not be empty");
        }
        byte[] seed = roundSeed.clone();
        NeighbourGraph graph = NeighbourGraph.create(ids, degree, seed);
        return new SecAggParameters(roundId, List.copyOf(ids), threshold, vectorLength, quantizer, seed, graph);
    }

    /**
     * A round with the default degree ({@link NeighbourGraph#defaultDegree}), the lowest
     * threshold allowed ({@link #defaultThreshold}, which tolerates the most drop-outs) and the
     * finest quantiser for {@code [-clip, clip]} with headroom for every participant.
     */
    public static SecAggParameters withDefaults(String roundId, Collection<String> participants, int vectorLength, double clip,
            byte[] roundSeed) {
        int n = participants.size();
        if (n < 3) {
            // of() refuses it, with the reason.
            return of(roundId, participants, 2, 2, vectorLength, Quantizer.forParticipants(clip, 3), roundSeed);
        }
        int k = NeighbourGraph.defaultDegree(n);
        return of(roundId, participants, defaultThreshold(k), k, vectorLength, Quantizer.forParticipants(clip, n), roundSeed);
    }

    /** The lowest threshold allowed for degree {@code k}: {@code floor(k/2) + 1}. */
    public static int defaultThreshold(int degree) {
        return degree / 2 + 1;
    }

    public String roundId() {
        return roundId;
    }

    /** The participant ids, sorted. */
    public List<String> participants() {
        return participants;
    }

    public int participantCount() {
        return participants.size();
    }

    /** t: the shares needed to rebuild a secret. */
    public int threshold() {
        return threshold;
    }

    /** k: each client's number of neighbours. */
    public int degree() {
        return graph.degree();
    }

    public int vectorLength() {
        return vectorLength;
    }

    public Quantizer quantizer() {
        return quantizer;
    }

    /** The public seed that fixed the graph (a copy). */
    public byte[] roundSeed() {
        return roundSeed.clone();
    }

    public NeighbourGraph graph() {
        return graph;
    }

    /** The neighbours of {@code id}, sorted. */
    public List<String> neighbours(String id) {
        return graph.neighbours(id);
    }

    /** Whether {@code id} takes part in this round. */
    public boolean isParticipant(String id) {
        return id != null && Collections.binarySearch(participants, id) >= 0;
    }

    @Override
    public String toString() {
        return "SecAggParameters[round=" + roundId + ", n=" + participants.size() + ", k=" + degree() + ", t=" + threshold + ", length="
                + vectorLength + ", " + quantizer + "]";
    }
}
