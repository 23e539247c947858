package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SecAggParametersTest {
    private static final byte[] SEED = {1, 2, 3, 4};
    private static final Quantizer Q = Quantizer.forParticipants(1.0, 100);

    private static void refused(String expectedPart, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(expectedPart), "message '" + x.getMessage() + "' lacks '" + expectedPart + "'");
    }

    @Test
    void defaultsFollowTheGraphAndTheThresholdRule() {
        SecAggParameters p = SecAggParameters.withDefaults("r1", NeighbourGraphTest.ids(40).reversed(), 16, 0.5, SEED);
        assertEquals(NeighbourGraphTest.ids(40), p.participants(), "kept sorted");
        assertEquals(12, p.degree());
        assertEquals(7, p.threshold());
        assertEquals(16, p.vectorLength());
        assertTrue(p.quantizer().maxParticipants() >= 40);
        SecAggParameters small = SecAggParameters.withDefaults("r1", NeighbourGraphTest.ids(3), 4, 1.0, SEED);
        assertTrue(small.graph().isComplete());
        assertEquals(2, small.threshold());
        assertFalse(p.isParticipant("nobody"));
    }

    @Test
    void refusesEachBadSetting() {
        List<String> ten = NeighbourGraphTest.ids(10);
        refused("threshold t = 9 exceeds the neighbour count k = 8", () -> SecAggParameters.of("r", ten, 9, 8, 4, Q, SEED));
        refused("t must be at least 2", () -> SecAggParameters.of("r", ten, 1, 8, 4, Q, SEED));
        refused("not more than half of k = 8", () -> SecAggParameters.of("r", ten, 4, 8, 4, Q, SEED));
        refused("at least 3 participants, got 2", () -> SecAggParameters.of("r", List.of("a", "b"), 2, 1, 4, Q, SEED));
        refused("at least 3 participants, got 1", () -> SecAggParameters.withDefaults("r", List.of("a"), 4, 1.0, SEED));
        refused("at least 3 participants, got 0", () -> SecAggParameters.of("r", List.of(), 2, 2, 4, Q, SEED));
        refused("listed twice", () -> SecAggParameters.of("r", List.of("a", "b", "a", "c"), 2, 2, 4, Q, SEED));
        refused("blank", () -> SecAggParameters.of("r", List.of("a", " ", "c"), 2, 2, 4, Q, SEED));
        refused("round id", () -> SecAggParameters.of(" ", ten, 5, 8, 4, Q, SEED));
        refused("must be even", () -> SecAggParameters.of("r", ten, 4, 7, 4, Q, SEED));
        refused("[1, n - 1]", () -> SecAggParameters.of("r", ten, 6, 10, 4, Q, SEED));
        refused("vector length", () -> SecAggParameters.of("r", ten, 5, 8, 0, Q, SEED));
        refused("round seed", () -> SecAggParameters.of("r", ten, 5, 8, 4, Q, new byte[0]));
        refused("exceeds 255", () -> SecAggParameters.of("r", NeighbourGraphTest.ids(300), 200, 256, 4, Q, SEED));
    }

    @Test
    void refusesAQuantiserWithoutHeadroomForEveryone() {
        Quantizer forTen = Quantizer.forParticipants(1.0, 10);
        SecAggParameters.of("r", NeighbourGraphTest.ids(10), 5, 8, 4, forTen, SEED);
        refused("overflow: 11 values", () -> SecAggParameters.of("r", NeighbourGraphTest.ids(11), 5, 8, 4, forTen, SEED));
    }
}
