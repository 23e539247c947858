package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the attackers see of a round, checked and sorted by client id (so that the forged
 * updates do not depend on arrival order), with the statistics the attacks use: the honest
 * updates {@code w - global} and their per-coordinate mean and standard deviation.
 */
final class HonestView {
    final String attack;
    final float[] global;
    final List<ClientUpdate> honest;
    final List<String> attackers;
    final long claimedExamples;

    HonestView(String attack, int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds) {
        this.attack = attack;
        if (round < 1) {
            throw new IllegalArgumentException(attack + ": round must be at least 1, got " + round);
        }
        this.global = Objects.requireNonNull(global, "global");
        if (honest.isEmpty()) {
            throw new IllegalArgumentException(attack + ": needs at least 1 honest update to attack");
        }
        List<ClientUpdate> sorted = new ArrayList<>(honest);
        sorted.sort(Comparator.comparing(ClientUpdate::clientId));
        Set<String> ids = new HashSet<>();
        for (ClientUpdate u : sorted) {
            if (u.parameters().length != global.length) {
                throw new IllegalArgumentException(attack + ": the honest update from client '" + u.clientId() + "' has "
                        + u.parameters().length + " values, the global model has " + global.length);
            }
            if (!ids.add(u.clientId())) {
                throw new IllegalArgumentException(attack + ": client '" + u.clientId() + "' has more than one honest update");
            }
        }
        List<String> sortedAttackers = new ArrayList<>(attackerIds);
        sortedAttackers.sort(Comparator.naturalOrder());
        for (int k = 0; k < sortedAttackers.size(); k++) {
            String id = Objects.requireNonNull(sortedAttackers.get(k), "attacker id");
            if (ids.contains(id)) {
                throw new IllegalArgumentException(attack + ": attacker id '" + id + "' is also an honest client's id");
            }
            if (k > 0 && sortedAttackers.get(k - 1).equals(id)) {
                throw new IllegalArgumentException(attack + ": attacker id '" + id + "' is listed twice");
            }
        }
        this.honest = List.copyOf(sorted);
        this.attackers = List.copyOf(sortedAttackers);
        long[] counts = new long[sorted.size()];
        for (int k = 0; k < counts.length; k++) {
            counts[k] = sorted.get(k).numExamples();
        }
        Arrays.sort(counts);
        this.claimedExamples = Math.max(1, counts[counts.length / 2]);
    }

    int dim() {
        return global.length;
    }

    /** The mean honest update, {@code mean(w_k - global)}, added in client-id order. */
    double[] meanUpdate() {
        double[] mean = new double[dim()];
        for (ClientUpdate u : honest) {
            float[] w = u.parameters();
            for (int j = 0; j < mean.length; j++) {
                mean[j] += (double) w[j] - global[j];
            }
        }
        double h = honest.size();
        for (int j = 0; j < mean.length; j++) {
            mean[j] /= h;
        }
        return mean;
    }

    /**
     * The per-coordinate sample standard deviation of the honest updates (divisor {@code h - 1},
     * as {@code torch.std} in the ALIE authors' code; 0 with one honest update), from the
     * two-pass sum of squared deviations from {@code mean}.
     */
    double[] stdUpdate(double[] mean) {
        double[] sq = new double[dim()];
        int h = honest.size();
        if (h < 2) {
            return sq;
        }
        for (ClientUpdate u : honest) {
            float[] w = u.parameters();
            for (int j = 0; j < sq.length; j++) {
                double d = ((double) w[j] - global[j]) - mean[j];
                sq[j] += d * d;
            }
        }
        for (int j = 0; j < sq.length; j++) {
            sq[j] = Math.sqrt(sq[j] / (h - 1));
        }
        return sq;
    }

    /** The update an attacker sends: {@code global + delta}, rounded to float once. */
    ClientUpdate forged(String attackerId, double[] delta) {
        float[] w = new float[dim()];
        for (int j = 0; j < w.length; j++) {
            w[j] = (float) (global[j] + delta[j]);
        }
        return new ClientUpdate(attackerId, w, claimedExamples);
    }

    /** The same forged update under every attacker id. */
    List<ClientUpdate> allSend(double[] delta) {
        List<ClientUpdate> out = new ArrayList<>(attackers.size());
        for (String id : attackers) {
            out.add(forged(id, delta));
        }
        return List.copyOf(out);
    }
}
