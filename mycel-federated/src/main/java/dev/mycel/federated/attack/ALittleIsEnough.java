package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.List;

/**
 * "A Little Is Enough" (Baruch, Baruch and Goldberg 2019): every attacker sends, per coordinate,
 * {@code mean - z * std} of the honest updates. The shift stays within the spread of honest
 * values, so medians, trimmed means and Krum keep it, yet it moves every coordinate the same way
 * in every round and the bias adds up.
 *
 * <p>By default {@code z} is the paper's largest value that still goes unnoticed: with {@code n}
 * clients of which {@code f} attack, the attackers need {@code s = floor(n/2 + 1) - f} honest
 * clients to look further from the mean than they are, and {@code z = Phi^-1((n - s) / n)} is
 * the point past which a normal distribution leaves that many. Here {@code n} is the honest
 * count plus the attacker count of the round.
 */
public final class ALittleIsEnough implements Attack {
    private final double fixedZ;

    /** With the paper's {@code z} for each round's {@code n} and {@code f}. */
    public ALittleIsEnough() {
        this.fixedZ = Double.NaN;
    }

    /** @param z a fixed number of standard deviations to shift by, finite */
    public ALittleIsEnough(double z) {
        if (!Double.isFinite(z)) {
            throw new IllegalArgumentException("alie: z must be finite, got " + z);
        }
        this.fixedZ = z;
    }

    /**
     * The paper's {@code z_max = Phi^-1((n - s) / n)} with {@code s = floor(n/2 + 1) - f}.
     *
     * @throws IllegalArgumentException unless {@code 1 <= f <= floor(n/2)}, where the quantile is
     *     finite
     */
    public static double zMax(int n, int f) {
        if (f < 1 || f > n / 2) {
            throw new IllegalArgumentException("alie: z needs 1 <= f <= floor(n/2) attackers, got f = " + f
                    + " of n = " + n + " clients");
        }
        int s = n / 2 + 1 - f;
        return Normal.inverseCdf((double) (n - s) / n);
    }

    @Override
    public String name() {
        return "alie";
    }

    @Override
    public List<ClientUpdate> forge(int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds) {
        HonestView view = new HonestView(name(), round, global, honest, attackerIds);
        if (view.attackers.isEmpty()) {
            return List.of();
        }
        double z = Double.isNaN(fixedZ) ? zMax(view.honest.size() + view.attackers.size(), view.attackers.size()) : fixedZ;
        double[] mean = view.meanUpdate();
        double[] std = view.stdUpdate(mean);
        double[] delta = new double[view.dim()];
        for (int j = 0; j < delta.length; j++) {
            delta[j] = mean[j] - z * std[j];
        }
        return view.allSend(delta);
    }
}
