package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.List;

/**
 * Sign flipping: an attacker trains like an honest client, then sends its update negated and
 * scaled, {@code global - scale * (w - global)}, pushing the model back the way training moved
 * it. Against a plain mean, {@code f} attackers with a large enough scale cancel all honest
 * progress or reverse it.
 *
 * <p>The attackers' own training is stood in for by the honest updates: attacker {@code k} (in id
 * order) flips honest update {@code k mod h} (in id order), so different attackers send different
 * vectors, as they would after training on different data.
 */
public final class SignFlip implements Attack {
    private final double scale;

    /** @param scale how far to push, positive and finite (1 is a plain flip) */
    public SignFlip(double scale) {
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("signflip: scale must be positive and finite, got " + scale);
        }
        this.scale = scale;
    }

    public double scale() {
        return scale;
    }

    @Override
    public String name() {
        return "signflip";
    }

    @Override
    public List<ClientUpdate> forge(int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds) {
        HonestView view = new HonestView(name(), round, global, honest, attackerIds);
        List<ClientUpdate> out = new ArrayList<>(view.attackers.size());
        for (int k = 0; k < view.attackers.size(); k++) {
            float[] w = view.honest.get(k % view.honest.size()).parameters();
            double[] delta = new double[view.dim()];
            for (int j = 0; j < delta.length; j++) {
                delta[j] = -scale * ((double) w[j] - global[j]);
            }
            out.add(view.forged(view.attackers.get(k), delta));
        }
        return List.copyOf(out);
    }
}
