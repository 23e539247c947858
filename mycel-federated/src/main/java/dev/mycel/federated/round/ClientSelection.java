package dev.mycel.federated.round;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which clients a round asks, as a pure function of the run's seed and the round, over the
 * client ids in sorted order: a fixed count (a seeded partial shuffle), or Poisson sampling
 * (each client in with probability q), which client-level differential privacy's accountant
 * assumes.
 */
public final class ClientSelection {
    private ClientSelection() {
    }

    public static List<String> fixedCount(List<String> sortedIds, int count, long seed, int round) {
        if (count < 1 || count > sortedIds.size()) {
            throw new IllegalArgumentException("cannot pick " + count + " of " + sortedIds.size() + " clients");
        }
        List<String> ids = new ArrayList<>(sortedIds);
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + round);
        for (int i = 0; i < count; i++) {
            int j = i + r.nextInt(ids.size() - i);
            String t = ids.get(i);
            ids.set(i, ids.get(j));
            ids.set(j, t);
        }
        List<String> picked = new ArrayList<>(ids.subList(0, count));
        picked.sort(null);
        return picked;
    }

    public static List<String> poisson(List<String> sortedIds, double q, long seed, int round) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in (0, 1], not " + q);
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + round);
        List<String> picked = new ArrayList<>();
        for (String id : sortedIds) {
            if (r.nextDouble() < q) {
                picked.add(id);
            }
        }
        return picked;
    }
}
