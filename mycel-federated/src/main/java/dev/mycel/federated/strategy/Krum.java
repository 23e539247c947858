package dev.mycel.federated.strategy;

import java.util.List;
import java.util.Objects;

/**
 * Krum (Blanchard et al. 2017): the new model is the one client update with the lowest {@link
 * KrumScores score}, returned as it is. Tolerates {@code f} Byzantine clients out of {@code n >=
 * 2f + 3}; it throws away everything the other clients learned, so {@link MultiKrum} is the usual
 * choice when convergence speed matters. Equal scores go to the smaller client id.
 */
public final class Krum implements Strategy {
    private final LocalTraining local;
    private final int f;

    /** @param f the number of malicious clients to tolerate, at least 0 */
    public Krum(LocalTraining local, int f) {
        this.local = Objects.requireNonNull(local, "local");
        KrumScores.requireF("krum", f);
        this.f = f;
    }

    public int f() {
        return f;
    }

    @Override
    public String name() {
        return "krum";
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        Updates u = Updates.sorted(name(), round, global, updates);
        KrumScores.requireEnough(name(), u.n, f);
        int best = new KrumScores(u, f).ranking()[0];
        return u.params[best].clone();
    }
}
