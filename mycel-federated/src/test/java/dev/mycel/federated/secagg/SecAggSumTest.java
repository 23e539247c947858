package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.secagg.SecAggSession.Stage;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The unmasked sum is the plain integer sum of the included clients' levels, exactly. */
class SecAggSumTest {
    private static final byte[] SEED = {9, 8, 7};
    private static final SecureRandom RNG = new SecureRandom();

    static Map<String, float[]> inputs(List<String> ids, int length, double clip, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> m = new TreeMap<>();
        for (String id : ids) {
            float[] x = new float[length];
            for (int i = 0; i < length; i++) {
                x[i] = (float) ((r.nextDouble() * 2 - 1) * 1.1 * clip); // a few beyond the clip
            }
            m.put(id, x);
        }
        return m;
    }

    /** The plain sum of the levels of {@code included}, in 64-bit integers (no wrap). */
    static long[] plainLevelSum(SecAggParameters p, Map<String, float[]> inputs, Collection<String> included) {
        long[] s = new long[p.vectorLength()];
        for (String id : included) {
            int[] q = p.quantizer().quantize(inputs.get(id));
            for (int i = 0; i < s.length; i++) {
                s[i] += Integer.toUnsignedLong(q[i]);
            }
        }
        return s;
    }

    static void assertExact(SecAggParameters p, Map<String, float[]> inputs, SecAggResult r, Collection<String> expectedIncluded) {
        assertEquals(List.copyOf(new java.util.TreeSet<>(expectedIncluded)), r.included());
        assertArrayEquals(plainLevelSum(p, inputs, expectedIncluded), r.quantisedSum(), "the exact integer sum");
        double c = p.quantizer().clip();
        double bound = p.quantizer().maxSumError(expectedIncluded.size()) + 1e-9;
        double[] sum = r.sum();
        for (int i = 0; i < sum.length; i++) {
            double plain = 0;
            for (String id : expectedIncluded) {
                plain += Math.max(-c, Math.min(c, inputs.get(id)[i]));
            }
            assertTrue(Math.abs(sum[i] - plain) <= bound, "coordinate " + i + ": " + sum[i] + " vs " + plain);
        }
    }

    private static void exactFor(int n, int length, long seed) {
        List<String> ids = NeighbourGraphTest.ids(n);
        SecAggParameters p = SecAggParameters.withDefaults("round-n" + n, ids, length, 2.0, SEED);
        Map<String, float[]> in = inputs(ids, length, 2.0, seed);
        SecAggResult r = new SecAggSession(p, RNG).run(in);
        assertExact(p, in, r, ids);
        assertEquals(List.of(), r.droppedAfterSharing());
        assertEquals(List.of(), r.excluded());
    }

    @Test
    void threeClientsCompleteGraph() {
        exactFor(3, 50, 1);
    }

    @Test
    void tenClientsSecAggPlusGraph() {
        assertFalse(SecAggParameters.withDefaults("r", NeighbourGraphTest.ids(10), 1, 1, SEED).graph().isComplete());
        exactFor(10, 100, 2);
    }

    @Test
    void fortyClientsSecAggPlusGraph() {
        SecAggParameters p = SecAggParameters.withDefaults("r", NeighbourGraphTest.ids(40), 1, 1, SEED);
        assertEquals(12, p.degree());
        exactFor(40, 64, 3);
    }

    @Test
    void allClientsAtTheClipStillSumWithoutWrapping() {
        List<String> ids = NeighbourGraphTest.ids(10);
        SecAggParameters p = SecAggParameters.withDefaults("r-top", ids, 8, 1.0, SEED);
        Map<String, float[]> in = new TreeMap<>();
        for (String id : ids) {
            float[] x = new float[8];
            java.util.Arrays.fill(x, 5.0f);
            in.put(id, x);
        }
        SecAggResult r = new SecAggSession(p, RNG).run(in);
        assertExact(p, in, r, ids);
        assertEquals(10 * p.quantizer().maxLevel(), r.quantisedSum()[0]);
        assertEquals(10.0, r.sum()[0], 1e-9);
    }

    // ---- drop-outs ----

    private static Set<String> minus(List<String> all, String... gone) {
        Set<String> s = new HashSet<>(all);
        s.removeAll(List.of(gone));
        return s;
    }

    @Test
    void dropOutsAtEveryStepOfASecAggPlusRound() {
        // n = 20, k = 10, t = 6: four clients gone in all, so everyone keeps at least 6 live neighbours.
        List<String> ids = NeighbourGraphTest.ids(20);
        SecAggParameters p = SecAggParameters.withDefaults("r-drops", ids, 40, 1.0, SEED);
        assertEquals(10, p.degree());
        Map<String, float[]> in = inputs(ids, 40, 1.0, 11);
        SecAggResult r = new SecAggSession(p, RNG)
                .dropAt(Stage.ADVERTISE_KEYS, "c02")
                .dropAt(Stage.SHARE_KEYS, "c01")
                .dropAt(Stage.MASKED_INPUT, "c04")
                .dropAt(Stage.UNMASK, "c07") // still summed: its masked input arrived
                .run(in);
        assertExact(p, in, r, minus(ids, "c01", "c02", "c04"));
        assertEquals(List.of("c04"), r.droppedAfterSharing());
        assertEquals(List.of("c01", "c02"), r.excluded());
    }

    @Test
    void survivorsAtExactlyTheThresholdStillGiveTheExactSum() {
        // Complete graph, k = 9, t = 5: with four gone, each survivor's seed is rebuilt from exactly 5 shares.
        List<String> ids = NeighbourGraphTest.ids(10);
        SecAggParameters p = SecAggParameters.of("r-edge", ids, 5, 9, 20, Quantizer.forParticipants(1.0, 10), SEED);
        Map<String, float[]> in = inputs(ids, 20, 1.0, 12);
        SecAggResult r = new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, "c00", "c03", "c05", "c09").run(in);
        assertExact(p, in, r, minus(ids, "c00", "c03", "c05", "c09"));
        assertEquals(List.of("c00", "c03", "c05", "c09"), r.droppedAfterSharing());

        // Three gone before masking and one more silent at unmasking: 6 answer, each seed from >= 5 shares.
        SecAggResult r2 = new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, "c01", "c02", "c03").dropAt(Stage.UNMASK, "c04").run(in);
        assertExact(p, in, r2, minus(ids, "c01", "c02", "c03"));
    }

    @Test
    void aDroppedClientsMaskKeyRebuiltFromExactlyTShares() {
        // Harary graph n = 20, k = 10, t = 6. Drop u and four of its neighbours (ring offsets -5, -4, -3, +5),
        // so that u keeps exactly 6 live neighbours while no survivor keeps fewer than 6.
        List<String> ids = NeighbourGraphTest.ids(20);
        SecAggParameters p = SecAggParameters.withDefaults("r-edge20", ids, 16, 1.0, SEED);
        List<String> ring = p.graph().ringOrder();
        String[] gone = {ring.get(10), ring.get(5), ring.get(6), ring.get(7), ring.get(15)};
        Set<String> survivors = minus(ids, gone);
        int uLive = (int) p.neighbours(ring.get(10)).stream().filter(survivors::contains).count();
        assertEquals(p.threshold(), uLive, "the test's premise: u is at the threshold");
        for (String v : survivors) {
            assertTrue(p.neighbours(v).stream().filter(survivors::contains).count() >= p.threshold(), "premise for " + v);
        }
        Map<String, float[]> in = inputs(ids, 16, 1.0, 13);
        SecAggResult r = new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, gone).run(in);
        assertExact(p, in, r, survivors);

        // One more neighbour of u gone, and u's mask key can no longer be rebuilt: an error, not a sum.
        String[] more = java.util.Arrays.copyOf(gone, gone.length + 1);
        more[gone.length] = ring.get(11);
        SecAggException e = assertThrows(SecAggException.class, () -> new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, more).run(in));
        assertTrue(e.getMessage().contains("too many drop-outs"), e.getMessage());
    }

    @Test
    void tooManyDropOutsAreAClearErrorNotAWrongSum() {
        List<String> ids = NeighbourGraphTest.ids(10);
        SecAggParameters p = SecAggParameters.of("r-many", ids, 5, 9, 20, Quantizer.forParticipants(1.0, 10), SEED);
        Map<String, float[]> in = inputs(ids, 20, 1.0, 14);

        // Five gone after sharing: each survivor has 4 live neighbours < t = 5. Refused before any share is revealed.
        SecAggSession s1 = new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, "c00", "c01", "c02", "c03", "c04");
        SecAggException e1 = assertThrows(SecAggException.class, () -> s1.run(in));
        assertTrue(e1.getMessage().contains("too many drop-outs") && e1.getMessage().contains("fewer than the threshold 5"), e1.getMessage());

        // Three gone after sharing and two silent at unmasking: the answering five hold only 4 shares of each other's seeds.
        SecAggSession s2 = new SecAggSession(p, RNG).dropAt(Stage.MASKED_INPUT, "c00", "c01", "c02").dropAt(Stage.UNMASK, "c03", "c04");
        SecAggException e2 = assertThrows(SecAggException.class, () -> s2.run(in));
        assertTrue(e2.getMessage().contains("too many drop-outs during unmasking") && e2.getMessage().contains("only 4 shares"),
                e2.getMessage());
        assertTrue(e2.clientId().isPresent());

        // Six never share: the four left have 3 neighbours each, and nobody can take part.
        SecAggSession s3 = new SecAggSession(p, RNG).dropAt(Stage.SHARE_KEYS, "c00", "c01", "c02", "c03", "c04", "c05");
        SecAggException e3 = assertThrows(SecAggException.class, () -> s3.run(in));
        assertTrue(e3.getMessage().contains("too many drop-outs: after the share step"), e3.getMessage());
    }

    @Test
    void aClientWithTooFewLiveNeighboursBeforeMaskingIsLeftOutAndTheRestSum() {
        // Harary n = 17, k = 12, t = 7: six of u's twelve neighbours never share (ring offsets -6, -5, -1,
        // +1, +5, +6, so that no one else falls below t); u is left out (it never masks), everyone else sums.
        List<String> ids = NeighbourGraphTest.ids(17);
        SecAggParameters p = SecAggParameters.of("r-prune", ids, 7, 12, 8, Quantizer.forParticipants(1.0, 17), SEED);
        List<String> ring = p.graph().ringOrder();
        String u = ring.get(10);
        String[] gone = {ring.get(4), ring.get(5), ring.get(9), ring.get(11), ring.get(15), ring.get(16)};
        Map<String, float[]> in = inputs(ids, 8, 1.0, 15);
        SecAggSession s = new SecAggSession(p, RNG).dropAt(Stage.SHARE_KEYS, gone);
        SecAggResult r = s.run(in);
        Set<String> expected = minus(ids, gone);
        expected.remove(u);
        assertFalse(s.coordinator().sharers().contains(u));
        assertTrue(r.excluded().contains(u));
        assertExact(p, in, r, expected);
    }
}
