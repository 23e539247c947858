package dev.mycel.federated.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/** The rounds a client's DP-SGD noise is calibrated for: a binomial quantile, against exact arithmetic. */
class ParticipationBoundTest {
    @Test
    void theBoundIsTheBinomialQuantile() {
        int[][] cases = {{100, 10}, {300, 10}, {50, 20}, {3, 5}, {1000, 1}};
        for (int[] c : cases) {
            int rounds = c[0];
            double p = c[1] / 100.0;
            int k = ParticipationBound.rounds(rounds, p, 0.99);
            assertTrue(cdf(rounds, p, k) >= 0.99, rounds + " rounds at " + p + ": " + k);
            assertTrue(k == 0 || cdf(rounds, p, k - 1) < 0.99, rounds + " rounds at " + p + ": " + k + " is not the smallest");
        }
        // 100 rounds picking 10 of 100 clients: 10 expected, 18 covers 99 % of clients.
        assertEquals(18, ParticipationBound.rounds(100, 0.1, 0.99));
        assertTrue(ParticipationBound.rounds(100, 0.1, 0.99) < 100);
    }

    @Test
    void everyRoundWhenEveryClientIsPickedAndBadArgumentsRefused() {
        assertEquals(40, ParticipationBound.rounds(40, 1.0, 0.99));
        assertEquals(1, ParticipationBound.rounds(1, 0.5, 0.99));
        assertThrows(IllegalArgumentException.class, () -> ParticipationBound.rounds(0, 0.1, 0.99));
        assertThrows(IllegalArgumentException.class, () -> ParticipationBound.rounds(10, 0, 0.99));
        assertThrows(IllegalArgumentException.class, () -> ParticipationBound.rounds(10, 0.1, 1));
    }

    /** P(Binomial(n, p) ≤ k), summed exactly in big decimals. */
    private static double cdf(int n, double p, int k) {
        MathContext mc = new MathContext(40);
        BigDecimal bp = new BigDecimal(p);
        BigDecimal bq = BigDecimal.ONE.subtract(bp);
        BigDecimal sum = BigDecimal.ZERO;
        BigInteger choose = BigInteger.ONE;
        for (int i = 0; i <= k; i++) {
            if (i > 0) {
                choose = choose.multiply(BigInteger.valueOf(n - i + 1)).divide(BigInteger.valueOf(i));
            }
            sum = sum.add(new BigDecimal(choose).multiply(bp.pow(i, mc), mc).multiply(bq.pow(n - i, mc), mc), mc);
        }
        return sum.doubleValue();
    }
}
