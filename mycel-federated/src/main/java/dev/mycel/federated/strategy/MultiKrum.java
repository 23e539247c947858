package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Multi-Krum (Blanchard et al. 2017): the unweighted mean of the {@code m} updates with the lowest
 * {@link KrumScores scores}. It keeps Krum's filtering and averages away more noise than a
 * single update. Needs {@code n >= 2f + 3}; equal scores go to the smaller client id.
 *
 * <p>Flower's Multi-Krum weights the kept updates by their example counts; here the mean is
 * unweighted, as in the paper, because a count is only a client's claim: an attacker that passed
 * the filter could otherwise claim a huge count and dominate the mean. The kept updates are added
 * in client-id order.
 */
public final class MultiKrum implements Strategy {
    private final LocalTraining local;
    private final int f;
    private final int m;

    /**
     * @param f the number of malicious clients to tolerate, at least 0
     * @param m how many of the best-scored updates to average, at least 1 (1 is Krum), or 0 for
     *     n − f of each round's n updates (Blanchard et al.'s choice, which follows drop-outs)
     */
    public MultiKrum(LocalTraining local, int f, int m) {
        this.local = Objects.requireNonNull(local, "local");
        KrumScores.requireF("multikrum", f);
        if (m < 0) {
            throw new IllegalArgumentException("multikrum: must keep m >= 1 updates (or 0 for n - f), got m = " + m);
        }
        this.f = f;
        this.m = m;
    }

    public int f() {
        return f;
    }

    public int m() {
        return m;
    }

    @Override
    public String name() {
        return "multikrum";
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        Updates u = Updates.sorted(name(), round, global, updates);
        KrumScores.requireEnough(name(), u.n, f);
        int keep = m == 0 ? u.n - f : m;
        if (keep > u.n) {
            throw new IllegalArgumentException("multikrum: keeps m = " + keep + " updates but only n = " + u.n + " arrived");
        }
        int[] kept = Arrays.copyOf(new KrumScores(u, f).ranking(), keep);
        Arrays.sort(kept);
        return Updates.toFloat(u.mean(kept));
    }
}
