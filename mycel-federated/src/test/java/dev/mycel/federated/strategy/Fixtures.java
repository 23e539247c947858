package dev.mycel.federated.strategy;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/** Small builders and a bit-for-bit assertion shared by the strategy tests. */
final class Fixtures {
    private Fixtures() {
    }

    static ClientUpdate update(String id, long examples, float... parameters) {
        return new ClientUpdate(id, parameters, examples);
    }

    static float[] vector(SplittableRandom random, int dim, double scale) {
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
            v[j] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /**
     * {@code n} updates around {@code global} with random ids (so that id order differs from
     * creation order), random example counts, and a few repeated values per coordinate so that
     * ties are exercised.
     */
    static List<ClientUpdate> randomUpdates(SplittableRandom random, float[] global, int n) {
        Set<String> ids = new HashSet<>();
        List<ClientUpdate> out = new ArrayList<>();
        while (out.size() < n) {
            String id = "node-" + Integer.toHexString(random.nextInt(1 << 20));
            if (!ids.add(id)) {
                continue;
            }
            float[] w = new float[global.length];
            for (int j = 0; j < w.length; j++) {
                // One value in eight is a round number, which other clients may share.
                w[j] = random.nextInt(8) == 0 ? (float) random.nextInt(-2, 3)
                        : (float) (global[j] + (random.nextDouble() * 2 - 1) * random.nextDouble() * 3);
            }
            out.add(new ClientUpdate(id, w, 1 + random.nextInt(500)));
        }
        return out;
    }

    /**
     * {@code n} updates, one example each, where about half the coordinates hold a cancelling pair
     * of huge values (+B and -B, B near 2^60) among small ones: a double sum of such a coordinate
     * depends on the order of the terms, so only sorting by id makes a mean order-independent.
     */
    static List<ClientUpdate> cancellingUpdates(SplittableRandom random, int dim, int n) {
        float[][] w = new float[n][dim];
        for (int j = 0; j < dim; j++) {
            for (int k = 0; k < n; k++) {
                w[k][j] = (float) (random.nextDouble() * 2 - 1);
            }
            if (random.nextBoolean()) {
                float big = (float) ((1 + random.nextDouble()) * 0x1p60);
                int plus = random.nextInt(n);
                int minus = (plus + 1 + random.nextInt(n - 1)) % n;
                w[plus][j] = big;
                w[minus][j] = -big;
            }
        }
        Set<String> ids = new HashSet<>();
        List<ClientUpdate> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            String id;
            do {
                id = "peer-" + Integer.toHexString(random.nextInt(1 << 20));
            } while (!ids.add(id));
            out.add(new ClientUpdate(id, w[k], 1));
        }
        return out;
    }

    static List<ClientUpdate> shuffled(List<ClientUpdate> updates, long seed) {
        List<ClientUpdate> copy = new ArrayList<>(updates);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }

    /** Fails unless both arrays have the same length and every value the same bits. */
    static void assertSameBits(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int j = 0; j < expected.length; j++) {
            if (Float.floatToRawIntBits(expected[j]) != Float.floatToRawIntBits(actual[j])) {
                fail(what + ": index " + j + " is " + actual[j] + ", expected " + expected[j]);
            }
        }
    }

    static void assertSameBits(float[] expected, float[] actual) {
        assertSameBits(expected, actual, "aggregate");
    }

    static double distance(float[] a, double[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            double d = a[j] - b[j];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
