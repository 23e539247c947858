package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeighbourGraphTest {
    static List<String> ids(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(String.format("c%02d", i));
        }
        return l;
    }

    private static byte[] seed(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void defaultDegreeIsTwiceCeilLog2CappedAtNMinusOne() {
        assertEquals(1, NeighbourGraph.defaultDegree(2));
        assertEquals(2, NeighbourGraph.defaultDegree(3));
        assertEquals(4, NeighbourGraph.defaultDegree(5));
        assertEquals(8, NeighbourGraph.defaultDegree(10));
        assertEquals(12, NeighbourGraph.defaultDegree(40));
        assertEquals(12, NeighbourGraph.defaultDegree(64));
        assertEquals(14, NeighbourGraph.defaultDegree(65));
        assertEquals(20, NeighbourGraph.defaultDegree(1000));
    }

    @Test
    void graphsAreSymmetricRegularAndLoopFree() {
        int[][] cases = {{3, 2}, {5, 4}, {10, 8}, {10, 9}, {40, 12}, {40, 4}, {41, 40}};
        for (int[] c : cases) {
            int n = c[0];
            int k = c[1];
            NeighbourGraph g = NeighbourGraph.create(ids(n), k, seed("round-7"));
            assertEquals(k, g.degree());
            assertEquals(k == n - 1, g.isComplete());
            int edges = 0;
            for (String u : ids(n)) {
                List<String> nb = g.neighbours(u);
                assertEquals(k, nb.size(), "degree of " + u + " in n=" + n + ", k=" + k);
                assertEquals(k, new HashSet<>(nb).size(), "no repeated neighbour");
                assertFalse(nb.contains(u), "no self-loop");
                assertEquals(nb.stream().sorted().toList(), nb, "neighbours listed sorted");
                for (String v : nb) {
                    assertTrue(g.adjacent(v, u), u + " -> " + v + " but not back");
                    assertEquals(nb.indexOf(v) + 1, g.shareIndex(u, v));
                }
                edges += nb.size();
            }
            assertEquals(n * k, edges);
        }
    }

    @Test
    void aHararyGraphLinksEachToItsRingNeighbours() {
        NeighbourGraph g = NeighbourGraph.create(ids(40), 12, seed("s"));
        List<String> ring = g.ringOrder();
        assertEquals(Set.copyOf(ids(40)), Set.copyOf(ring));
        for (int p = 0; p < 40; p++) {
            Set<String> expected = new HashSet<>();
            for (int d = 1; d <= 6; d++) {
                expected.add(ring.get((p + d) % 40));
                expected.add(ring.get((p - d + 40) % 40));
            }
            assertEquals(expected, Set.copyOf(g.neighbours(ring.get(p))));
        }
    }

    @Test
    void theSameSeedGivesTheSameGraphAndAnotherSeedAnother() {
        NeighbourGraph a = NeighbourGraph.create(ids(40), 12, seed("round-1"));
        NeighbourGraph b = NeighbourGraph.create(new ArrayList<>(ids(40)).reversed(), 12, seed("round-1"));
        assertEquals(a, b, "same ids and seed, in any order: same graph");
        assertEquals(a.ringOrder(), b.ringOrder());
        NeighbourGraph c = NeighbourGraph.create(ids(40), 12, seed("round-2"));
        assertNotEquals(a.ringOrder(), c.ringOrder());
        assertNotEquals(a, c);
    }

    @Test
    void refusesDegreesItCannotBuild() {
        assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.create(ids(10), 7, seed("s")), "odd and below n - 1");
        assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.create(ids(10), 10, seed("s")));
        assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.create(ids(10), 0, seed("s")));
        assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.create(List.of("a", "a", "b"), 2, seed("s")));
        assertThrows(IllegalArgumentException.class, () -> NeighbourGraph.create(ids(5), 4, seed("s")).neighbours("zz"));
    }
}
