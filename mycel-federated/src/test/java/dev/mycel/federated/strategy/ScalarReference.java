package dev.mycel.federated.strategy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The rules written the plain way, one coordinate and one client at a time, with boxed lists and
 * comparators instead of the strategies' arrays and hand-written sorts, as an independent check.
 * They follow the documented arithmetic (double sums in client-id order, one rounding at the end),
 * so they must agree bit for bit.
 */
final class ScalarReference {
    private ScalarReference() {
    }

    static List<ClientUpdate> byId(List<ClientUpdate> updates) {
        TreeMap<String, ClientUpdate> map = new TreeMap<>();
        for (ClientUpdate u : updates) {
            map.put(u.clientId(), u);
        }
        return new ArrayList<>(map.values());
    }

    /** sum(n_k w_k) / sum(n_k) per coordinate, unrounded. */
    static double[] weightedMean(List<ClientUpdate> updates, int dim) {
        List<ClientUpdate> sorted = byId(updates);
        long total = 0;
        for (ClientUpdate u : sorted) {
            total += u.numExamples();
        }
        double[] out = new double[dim];
        for (int j = 0; j < dim; j++) {
            double sum = 0;
            for (ClientUpdate u : sorted) {
                sum += (double) u.parameters()[j] * (double) u.numExamples();
            }
            out[j] = sum / (double) total;
        }
        return out;
    }

    static float[] fedAvg(List<ClientUpdate> updates, int dim) {
        double[] mean = weightedMean(updates, dim);
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            out[j] = (float) mean[j];
        }
        return out;
    }

    static List<Float> column(List<ClientUpdate> updates, int j) {
        List<Float> values = new ArrayList<>();
        for (ClientUpdate u : updates) {
            values.add(u.parameters()[j]);
        }
        values.sort(Float::compare);
        return values;
    }

    static double median(List<Float> sorted) {
        int n = sorted.size();
        if (n % 2 == 1) {
            return sorted.get(n / 2);
        }
        return ((double) sorted.get(n / 2 - 1) + (double) sorted.get(n / 2)) / 2.0;
    }

    static float[] median(List<ClientUpdate> updates, int dim) {
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            out[j] = (float) median(column(updates, j));
        }
        return out;
    }

    static float[] trimmedMean(List<ClientUpdate> updates, int dim, double beta) {
        int n = updates.size();
        int cut = (int) Math.floor(beta * n);
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            List<Float> kept = column(updates, j).subList(cut, n - cut);
            double sum = 0;
            for (float v : kept) {
                sum += v;
            }
            out[j] = (float) (sum / kept.size());
        }
        return out;
    }

    static double squaredDistance(float[] a, float[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            double d = (double) a[j] - (double) b[j];
            sum += d * d;
        }
        return sum;
    }

    record Scored(ClientUpdate update, double score) {
    }

    /** The updates ranked by Krum score among themselves, ties by id. */
    static List<ClientUpdate> krumRanking(List<ClientUpdate> updates, int f) {
        int r = updates.size();
        int nearest = Math.min(Math.max(1, r - f - 2), r - 1);
        List<Scored> scored = new ArrayList<>();
        for (ClientUpdate u : updates) {
            List<Double> d = new ArrayList<>();
            for (ClientUpdate other : updates) {
                if (other != u) {
                    d.add(squaredDistance(u.parameters(), other.parameters()));
                }
            }
            d.sort(Comparator.naturalOrder());
            double score = 0;
            for (int k = 0; k < nearest; k++) {
                score += d.get(k);
            }
            scored.add(new Scored(u, score));
        }
        scored.sort(Comparator.comparingDouble(Scored::score).thenComparing(s -> s.update().clientId()));
        List<ClientUpdate> out = new ArrayList<>();
        for (Scored s : scored) {
            out.add(s.update());
        }
        return out;
    }

    static float[] krum(List<ClientUpdate> updates, int f) {
        return krumRanking(updates, f).get(0).parameters().clone();
    }

    static float[] multiKrum(List<ClientUpdate> updates, int f, int m, int dim) {
        List<ClientUpdate> kept = byId(krumRanking(updates, f).subList(0, m));
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            double sum = 0;
            for (ClientUpdate u : kept) {
                sum += u.parameters()[j];
            }
            out[j] = (float) (sum / m);
        }
        return out;
    }

    static float[] bulyan(List<ClientUpdate> updates, int f, int dim) {
        int theta = updates.size() - 2 * f;
        int beta = theta - 2 * f;
        List<ClientUpdate> remaining = new ArrayList<>(updates);
        List<ClientUpdate> selected = new ArrayList<>();
        for (int t = 0; t < theta; t++) {
            ClientUpdate best = krumRanking(remaining, f).get(0);
            selected.add(best);
            remaining.remove(best);
        }
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            List<Float> values = column(selected, j);
            double median = median(values);
            List<Float> byCloseness = new ArrayList<>(values);
            byCloseness.sort(Comparator.<Float>comparingDouble(v -> Math.abs(v - median)).thenComparing(Float::compare));
            double sum = 0;
            for (int k = 0; k < beta; k++) {
                sum += byCloseness.get(k);
            }
            out[j] = (float) (sum / beta);
        }
        return out;
    }
}
