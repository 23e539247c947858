package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.List;

/**
 * Inner product manipulation (Xie, Koyejo and Gupta 2020, "Fall of Empires"): every attacker sends
 * {@code global - epsilon * mean(w_k - global)}, the honest mean update reversed and scaled. The
 * aim is to make the aggregate's inner product with the true descent direction negative, so that
 * training goes backwards: a small {@code epsilon} stays close enough to the honest updates to get
 * through distance-based filters such as Krum, a large one swamps a plain mean.
 */
public final class InnerProductManipulation implements Attack {
    private final double epsilon;

    /** @param epsilon the scale of the reversed mean, positive and finite */
    public InnerProductManipulation(double epsilon) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("ipm: epsilon must be positive and finite, got " + epsilon);
        }
        this.epsilon = epsilon;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "ipm";
    }

    @Override
    public List<ClientUpdate> forge(int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds) {
        HonestView view = new HonestView(name(), round, global, honest, attackerIds);
        double[] delta = view.meanUpdate();
        for (int j = 0; j < delta.length; j++) {
            delta[j] = -epsilon * delta[j];
        }
        return view.allSend(delta);
    }
}
