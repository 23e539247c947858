package dev.mycel.train.optim;

import static dev.mycel.train.optim.SgdTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.train.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    static final LrSchedule NANO = LrSchedule.warmupCosine(6e-4, 6e-5, 2000, 600_000);

    /** nanoGPT's get_lr, transcribed. */
    static double getLr(long it, double learningRate, double minLr, long warmupIters, long lrDecayIters) {
        if (it < warmupIters) {
            return learningRate * (it + 1) / (warmupIters + 1);
        }
        if (it > lrDecayIters) {
            return minLr;
        }
        double decayRatio = (double) (it - warmupIters) / (lrDecayIters - warmupIters);
        double coeff = 0.5 * (1.0 + StrictMath.cos(StrictMath.PI * decayRatio));
        return minLr + coeff * (learningRate - minLr);
    }

    @Test
    void warmupCosineIsNanoGptsGetLr() {
        for (long it : new long[] {0, 1, 999, 1999, 2000, 2001, 123_456, 300_000, 599_999, 600_000, 600_001, 10_000_000}) {
            assertEquals(getLr(it, 6e-4, 6e-5, 2000, 600_000), NANO.lr(it), 0.0, "step " + it);
        }
    }

    @Test
    void warmupRampsLinearlyFromAboveZeroToTheMaximum() {
        assertEquals(6e-4 / 2001, NANO.lr(0), 1e-18);
        assertEquals(6e-4 * 2000 / 2001, NANO.lr(1999), 1e-18);
        assertEquals(6e-4, NANO.lr(2000), 1e-18);
        for (long it = 1; it < 2000; it += 37) {
            assertTrue(NANO.lr(it) > NANO.lr(it - 1));
        }
    }

    @Test
    void cosineDecaysToTheMinimumThenStaysThere() {
        assertEquals((6e-4 + 6e-5) / 2, NANO.lr(301_000), 1e-15);
        assertEquals(6e-5, NANO.lr(600_000), 0.0, "cos(pi) is -1 exactly in StrictMath");
        assertEquals(6e-5, NANO.lr(600_001), 0.0);
        for (long it = 2001; it <= 600_000; it += 997) {
            assertTrue(NANO.lr(it) <= NANO.lr(it - 1), "step " + it);
        }
    }

    /** StrictMath gives the same bits everywhere, so the rates can be pinned. */
    @Test
    void ratesHavePinnedBits() {
        assertEquals(0x1.3a92a30553261p-11, NANO.lr(2000));
        assertEquals(0x1.1eb88ffc3b94bp-11, NANO.lr(123_456));
    }

    @Test
    void linearWarmupThenConstant() {
        LrSchedule s = LrSchedule.linearWarmup(0.1, 4);
        assertEquals(0.1 * 1 / 5, s.lr(0), 0.0);
        assertEquals(0.1 * 4 / 5, s.lr(3), 0.0);
        assertEquals(0.1, s.lr(4), 0.0);
        assertEquals(0.1, s.lr(1_000_000), 0.0);
        assertEquals(0.1, LrSchedule.linearWarmup(0.1, 0).lr(0), 0.0);
    }

    @Test
    void constantIsConstant() {
        assertEquals(3e-4, LrSchedule.constant(3e-4).lr(0), 0.0);
        assertEquals(3e-4, LrSchedule.constant(3e-4).lr(Long.MAX_VALUE), 0.0);
    }

    @Test
    void anOptimiserAsksTheScheduleForItsOwnStepCount() {
        List<Parameter> params = Fixtures.params();
        Sgd sgd = new Sgd(params);
        LrSchedule s = LrSchedule.linearWarmup(0.5, 3);
        for (int t = 0; t < 5; t++) {
            float before = params.get(0).data()[0];
            Fixtures.setGrads(params, t);
            sgd.step(s);
            float expected = before - (float) s.lr(t) * Fixtures.grad(0, t, 0);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(params.get(0).data()[0]));
        }
    }

    @Test
    void refusesBadSchedules() {
        assertMessage(() -> LrSchedule.constant(-1), "lr");
        assertMessage(() -> LrSchedule.constant(Double.NaN), "lr");
        assertMessage(() -> LrSchedule.warmupCosine(1e-3, 1e-2, 10, 100), "minLr");
        assertMessage(() -> LrSchedule.warmupCosine(1e-3, 1e-4, 10, 10), "decay");
        assertMessage(() -> LrSchedule.warmupCosine(1e-3, 1e-4, -1, 10), "warm-up");
        assertMessage(() -> LrSchedule.warmupCosine(Double.POSITIVE_INFINITY, 1e-4, 1, 10), "maxLr");
        assertMessage(() -> NANO.lr(-1), "negative step");
    }
}
