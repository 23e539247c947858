package dev.mycel.federated.sim;

/**
 * How many rounds one client should be ready to train in, for calibrating its DP-SGD noise. A
 * round picks m of the n clients uniformly, independently of other rounds, so the rounds a given
 * client is picked in out of R follow Binomial(R, m / n): about R·m/n, not R. Calibrating for
 * every round (what the simulation once did) buys noise for steps most clients never take;
 * calibrating for the mean leaves half the clients short of budget before the end. The bound is
 * the binomial's {@link #QUANTILE} quantile: the mean with a margin of about 2.3 standard
 * deviations, so about one client in a hundred reaches its budget early.
 *
 * <p>The margin is about usefulness, not privacy: a client that reaches its ε refuses to train
 * (its accountant composes the steps it actually ran), so the guarantee holds however often the
 * sampling picks it.
 */
final class ParticipationBound {
    /** The share of clients whose participation the calibration covers. */
    static final double QUANTILE = 0.99;

    private ParticipationBound() {
    }

    /** The smallest k with P(Binomial(rounds, p) ≤ k) ≥ quantile; {@code rounds} when p is 1. */
    static int rounds(int rounds, double p, double quantile) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, not " + rounds);
        }
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("the chance of a client's being picked must be in (0, 1], not " + p);
        }
        if (!(quantile > 0 && quantile < 1)) {
            throw new IllegalArgumentException("the quantile must be in (0, 1), not " + quantile);
        }
        if (p == 1) {
            return rounds;
        }
        // The pmf by its recurrence in log space: exact enough for thousands of rounds.
        double logQ = Math.log1p(-p);
        double logRatio = Math.log(p) - logQ;
        double logPmf = rounds * logQ;
        double cumulative = 0;
        for (int k = 0; k < rounds; k++) {
            cumulative += Math.exp(logPmf);
            if (cumulative >= quantile) {
                return k;
            }
            logPmf += Math.log((double) (rounds - k) / (k + 1)) + logRatio;
        }
        return rounds;
    }
}
