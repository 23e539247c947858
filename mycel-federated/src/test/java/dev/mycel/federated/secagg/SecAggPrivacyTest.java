package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/** What the coordinator sees of one client, its masked input, looks uniform and says nothing of the input. */
class SecAggPrivacyTest {
    private static final int LENGTH = 6400;
    private static final int BUCKETS = 64;
    /** A uniform sample fails this with probability 1e-6. */
    private static final double CRITICAL = new ChiSquaredDistribution(BUCKETS - 1).inverseCumulativeProbability(1 - 1e-6);

    /** Chi-square statistic of the values' top 6 bits (shift 26) or low 6 bits (shift 0) against uniform. */
    private static double chiSquare(int[] values, int shift) {
        long[] counts = new long[BUCKETS];
        for (int v : values) {
            counts[(v >>> shift) & (BUCKETS - 1)]++;
        }
        double expected = (double) values.length / BUCKETS;
        double chi = 0;
        for (long c : counts) {
            chi += (c - expected) * (c - expected) / expected;
        }
        return chi;
    }

    private static void assertUniform(String what, int[] values) {
        double high = chiSquare(values, 26);
        double low = chiSquare(values, 0);
        assertTrue(high < CRITICAL, what + ": top bits chi-square " + high + " >= " + CRITICAL);
        assertTrue(low < CRITICAL, what + ": low bits chi-square " + low + " >= " + CRITICAL);
    }

    private static int count(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return same;
    }

    @Test
    void theCoordinatorsViewOfAClientIsUniformAndUnrelatedToItsInput() {
        List<String> ids = NeighbourGraphTest.ids(5);
        SecAggParameters p = SecAggParameters.withDefaults("r-view", ids, LENGTH, 1.0, new byte[] {5});
        Map<String, float[]> in1 = SecAggSumTest.inputs(ids, LENGTH, 1.0, 21);
        Map<String, float[]> in2 = SecAggSumTest.inputs(ids, LENGTH, 1.0, 21);
        // Client c00's input: all zeros in run 1, all at the clip in run 2 (as far from uniform as inputs get).
        in1.put("c00", new float[LENGTH]);
        float[] top = new float[LENGTH];
        Arrays.fill(top, 1.0f);
        in2.put("c00", top);
        int[] x1 = p.quantizer().quantize(in1.get("c00"));
        int[] x2 = p.quantizer().quantize(in2.get("c00"));

        SecAggSession s1 = new SecAggSession(p, new SecureRandom());
        SecAggResult r1 = s1.run(in1);
        SecAggSession s2 = new SecAggSession(p, new SecureRandom());
        SecAggResult r2 = s2.run(in2);
        assertArrayEquals(SecAggSumTest.plainLevelSum(p, in1, ids), r1.quantisedSum());
        assertArrayEquals(SecAggSumTest.plainLevelSum(p, in2, ids), r2.quantisedSum());

        int[] y1 = s1.coordinator().maskedInputs().get("c00");
        int[] y2 = s2.coordinator().maskedInputs().get("c00");
        assertUniform("masked constant input (run 1)", y1);
        assertUniform("masked constant input (run 2)", y2);
        // Not equal to, nor a shift of, the input: equal coordinates happen with probability 2^-32 each.
        assertTrue(count(y1, x1) <= 1, "masked input equals the input at " + count(y1, x1) + " coordinates");
        assertTrue(count(y2, x2) <= 1);
        assertTrue(count(y1, y2) <= 1, "two runs' masked vectors agree at " + count(y1, y2) + " coordinates");
        int[] dy = new int[LENGTH];
        int[] dx = new int[LENGTH];
        int[] shift = new int[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            dy[i] = y1[i] - y2[i];
            dx[i] = x1[i] - x2[i];
            shift[i] = y1[i] - x1[i];
        }
        // Fresh masks each round: the difference of the views is uniform too, not the difference of the inputs.
        assertTrue(count(dy, dx) <= 1, "masks repeated across runs");
        assertUniform("difference of the two runs' masked vectors", dy);
        // The mask itself (y - x) is not constant or structured either.
        assertUniform("mask of run 1", shift);

        // Every other client's view is uniform as well, and no two clients' views coincide.
        Map<String, int[]> view = s1.coordinator().maskedInputs();
        for (String id : ids) {
            assertUniform("masked input of " + id, view.get(id));
            if (!id.equals("c00")) {
                assertTrue(count(view.get(id), y1) <= 1);
            }
        }
    }
}
