package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gaussian noise: every attacker sends {@code global + sigma * z} with each {@code z_j} drawn
 * independently from a standard normal, an update that carries no training at all. With a large
 * {@code sigma} it throws a plain mean far away; it is also what a broken client looks like.
 *
 * <p>Each round draws from its own {@link SplittableRandom}, seeded from the attack's seed and
 * the round number, so a simulation repeats exactly and can be resumed at any round; the
 * attackers take their values from it one after another in id order.
 */
public final class GaussianNoise implements Attack {
    private final double sigma;
    private final long seed;

    /**
     * @param sigma the noise's standard deviation, positive and finite
     * @param seed the seed every round's draws derive from
     */
    public GaussianNoise(double sigma, long seed) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("gaussian: sigma must be positive and finite, got " + sigma);
        }
        this.sigma = sigma;
        this.seed = seed;
    }

    public double sigma() {
        return sigma;
    }

    public long seed() {
        return seed;
    }

    @Override
    public String name() {
        return "gaussian";
    }

    @Override
    public List<ClientUpdate> forge(int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds) {
        HonestView view = new HonestView(name(), round, global, honest, attackerIds);
        SplittableRandom random = new SplittableRandom(roundSeed(seed, round));
        List<ClientUpdate> out = new ArrayList<>(view.attackers.size());
        for (String id : view.attackers) {
            double[] delta = Normal.draw(random, view.dim());
            for (int j = 0; j < delta.length; j++) {
                delta[j] *= sigma;
            }
            out.add(view.forged(id, delta));
        }
        return List.copyOf(out);
    }

    /**
     * Mixes the round into the seed (Stafford's variant 13 of the MurmurHash3 finaliser).
     * {@code seed + round} would not do: SplittableRandom's state advances by a fixed gamma, so
     * nearby seeds give overlapping streams.
     */
    static long roundSeed(long seed, int round) {
        long z = seed ^ (round * 0xD1B54A32D192ED03L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
