package dev.mycel.federated.secagg;

import dev.mycel.net.identity.CanonicalWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The public graph of who shares secrets with, and masks against, whom (SecAgg+, Bell et al.
 * 2020): a k-regular, symmetric graph with no self-loops, the same for everyone who knows the
 * participant ids and the round's public seed.
 *
 * <p>Construction (a Harary graph on a seeded random ordering): the participants are ordered by
 * {@code SHA-256(canonical("mycel/secagg/graph/v1", seed, id))} (ties, which SHA-256 makes
 * practically impossible, by id) and placed on a ring in that order; each is linked to the
 * {@code k/2} next and {@code k/2} previous on the ring. {@code k} must then be even. When
 * {@code k = n - 1} the graph is complete (any n), which is also what small rounds get by default:
 * the default degree is {@code min(n - 1, 2 ceil(log2 n))}, so a client's neighbourhood with
 * itself has {@code 2 ceil(log2 n) + 1} members.
 */
public final class NeighbourGraph {
    private final List<String> ringOrder;
    private final Map<String, List<String>> neighbours;
    private final int degree;

    private NeighbourGraph(List<String> ringOrder, Map<String, List<String>> neighbours, int degree) {
        this.ringOrder = ringOrder;
        this.neighbours = neighbours;
        this.degree = degree;
    }

    /** {@code min(n - 1, 2 ceil(log2 n))}: O(log n) neighbours, every other participant when n is small. */
    public static int defaultDegree(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("a neighbour graph needs at least 2 participants, got " + n);
        }
        int ceilLog2 = 32 - Integer.numberOfLeadingZeros(n - 1);
        return Math.min(n - 1, 2 * ceilLog2);
    }

    /**
     * The graph of degree {@code degree} over {@code participants} (distinct ids), ordered on the
     * ring by {@code seed}.
     *
     * @throws IllegalArgumentException if the ids repeat, or the degree is not in
     *     {@code [1, n - 1]}, or is odd and below {@code n - 1}
     */
    public static NeighbourGraph create(List<String> participants, int degree, byte[] seed) {
        int n = participants.size();
        if (n < 2) {
            throw new IllegalArgumentException("a neighbour graph needs at least 2 participants, got " + n);
        }
        if (new TreeSet<>(participants).size() != n) {
            throw new IllegalArgumentException("participant ids repeat: " + participants);
        }
        if (degree < 1 || degree > n - 1) {
            throw new IllegalArgumentException("degree k = " + degree + " must lie in [1, n - 1] = [1, " + (n - 1) + "]");
        }
        if (degree < n - 1 && degree % 2 != 0) {
            throw new IllegalArgumentException("degree k = " + degree + " must be even (k/2 ring neighbours on each side) or n - 1 = "
                    + (n - 1) + " (the complete graph)");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        Map<String, String> sortKey = new HashMap<>();
        for (String id : participants) {
            sortKey.put(id, HexFormat.of().formatHex(sha.digest(new CanonicalWriter("mycel/secagg/graph/v1").bytes(seed).text(id).toByteArray())));
        }
        List<String> ring = new ArrayList<>(participants);
        ring.sort(Comparator.<String, String>comparing(sortKey::get).thenComparing(Comparator.naturalOrder()));

        Map<String, List<String>> adj = new LinkedHashMap<>();
        for (int p = 0; p < n; p++) {
            TreeSet<String> set = new TreeSet<>();
            if (degree == n - 1) {
                set.addAll(participants);
                set.remove(ring.get(p));
            } else {
                for (int d = 1; d <= degree / 2; d++) {
                    set.add(ring.get((p + d) % n));
                    set.add(ring.get(Math.floorMod(p - d, n)));
                }
            }
            adj.put(ring.get(p), List.copyOf(set));
        }
        Map<String, List<String>> sorted = new LinkedHashMap<>();
        participants.stream().sorted().forEach(id -> sorted.put(id, adj.get(id)));
        return new NeighbourGraph(List.copyOf(ring), Collections.unmodifiableMap(sorted), degree);
    }

    /** Each participant's number of neighbours, k. */
    public int degree() {
        return degree;
    }

    /** Whether every participant is every other's neighbour (k = n - 1). */
    public boolean isComplete() {
        return degree == ringOrder.size() - 1;
    }

    /** The participants in their seeded ring order. */
    public List<String> ringOrder() {
        return ringOrder;
    }

    /** The neighbours of {@code id}, sorted by id (which fixes each one's share index). */
    public List<String> neighbours(String id) {
        List<String> l = neighbours.get(id);
        if (l == null) {
            throw new IllegalArgumentException("'" + id + "' is not a participant");
        }
        return l;
    }

    /** Whether {@code a} and {@code b} are neighbours. */
    public boolean adjacent(String a, String b) {
        return Collections.binarySearch(neighbours(a), b) >= 0;
    }

    /**
     * The Shamir share index (1-based x-coordinate) that {@code owner} gives {@code holder}: its
     * position in {@code owner}'s sorted neighbour list, plus one.
     */
    public int shareIndex(String owner, String holder) {
        int i = Collections.binarySearch(neighbours(owner), holder);
        if (i < 0) {
            throw new IllegalArgumentException("'" + holder + "' is not a neighbour of '" + owner + "'");
        }
        return i + 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NeighbourGraph g && g.degree == degree && g.ringOrder.equals(ringOrder) && g.neighbours.equals(neighbours);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {ringOrder, neighbours, degree});
    }

    @Override
    public String toString() {
        return "NeighbourGraph[n=" + ringOrder.size() + ", k=" + degree + "]";
    }
}
