package dev.mycel.federated.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.strategy.UpdateValidator.Kind;
import dev.mycel.federated.strategy.UpdateValidator.Verdict;
import org.junit.jupiter.api.Test;

class UpdateValidatorTest {
    private static final float[] GLOBAL = {1, 1, 1};
    private final UpdateValidator validator = new UpdateValidator(5.0);

    private Verdict check(long examples, float... w) {
        return validator.check(GLOBAL, new ClientUpdate("node-7", w, examples));
    }

    @Test
    void acceptsAnOrdinaryUpdate() {
        // ||(4, 1, 1) - (1, 1, 1)|| = 3 <= 5.
        Verdict v = check(10, 4, 1, 1);
        assertTrue(v.accepted());
        assertEquals(Verdict.ACCEPT, v);
        assertEquals("", v.reason());
    }

    @Test
    void refusesAWrongLength() {
        assertEquals(new Verdict(Kind.WRONG_LENGTH, "client 'node-7' sent 2 values, the global model has 3"), check(10, 1, 1));
    }

    @Test
    void refusesNoExamples() {
        assertEquals(new Verdict(Kind.NO_EXAMPLES, "client 'node-7' reports 0 training examples (at least 1 needed)"),
                check(0, 1, 1, 1));
        assertEquals(Kind.NO_EXAMPLES, check(-3, 1, 1, 1).kind());
    }

    @Test
    void refusesNaNAndInfinityNamingTheFirstBadIndex() {
        assertEquals(new Verdict(Kind.NOT_FINITE, "client 'node-7' sent NaN at index 1"), check(10, 1, Float.NaN, Float.POSITIVE_INFINITY));
        assertEquals(new Verdict(Kind.NOT_FINITE, "client 'node-7' sent -Infinity at index 2"),
                check(10, 1, 1, Float.NEGATIVE_INFINITY));
    }

    @Test
    void refusesANormAboveTheBound() {
        // ||(1, 7, 1) - (1, 1, 1)|| = 6 > 5; exactly 5 passes.
        assertEquals(new Verdict(Kind.NORM_TOO_LARGE, "client 'node-7' sent an update of norm 6.0, above the bound 5.0"),
                check(10, 1, 7, 1));
        assertTrue(check(10, 4, 5, 1).accepted());
        assertTrue(new UpdateValidator(Double.POSITIVE_INFINITY).check(GLOBAL, new ClientUpdate("x", new float[] {1e30f, 0, 0}, 1))
                .accepted());
    }

    @Test
    void theFirstFailingCheckDecides() {
        // Wrong length wins over no examples; no examples over NaN; NaN over the norm.
        assertEquals(Kind.WRONG_LENGTH, check(0, Float.NaN).kind());
        assertEquals(Kind.NO_EXAMPLES, check(0, Float.NaN, 1, 1).kind());
        assertEquals(Kind.NOT_FINITE, check(1, 100, Float.NaN, 1).kind());
    }

    @Test
    void theBoundMustBePositive() {
        assertEquals("the update norm bound must be positive, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new UpdateValidator(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new UpdateValidator(Double.NaN));
    }
}
