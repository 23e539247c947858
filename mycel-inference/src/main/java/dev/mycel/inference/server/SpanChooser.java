package dev.mycel.inference.server;

import dev.mycel.inference.proto.ServerInfo;
import java.util.List;

/**
 * Where a server without a given span should sit, as Petals decides it: the network is only as
 * fast as its least-served block, so a server takes the window of its size that raises that
 * minimum most (ties: the window whose blocks are served least in total, then the lowest
 * start). It moves only when moving raises the minimum, so servers do not chase each other.
 */
public final class SpanChooser {
    private SpanChooser() {
    }

    /** Throughput per block (blocks per second) that the other servers give. */
    static double[] coverage(int layers, List<ServerInfo> others) {
        double[] c = new double[layers];
        for (ServerInfo s : others) {
            double speed = s.getBlocksPerSecond() > 0 ? s.getBlocksPerSecond() : 1;
            for (int b = (int) s.getFirst(); b < Math.min(layers, s.getEnd()); b++) {
                c[b] += speed;
            }
        }
        return c;
    }

    /**
     * How good the network is with this server at {@code [start, start+n)}, compared
     * lexicographically: the least-served block's throughput (higher is better), then how many
     * blocks share that minimum (fewer is better), then the coverage this window adds to
     * (lower is better: go where others are not).
     */
    static double[] score(double[] coverage, int start, int n, double mySpeed) {
        double min = Double.POSITIVE_INFINITY;
        for (int b = 0; b < coverage.length; b++) {
            min = Math.min(min, coverage[b] + (b >= start && b < start + n ? mySpeed : 0));
        }
        int atMin = 0;
        for (int b = 0; b < coverage.length; b++) {
            if (coverage[b] + (b >= start && b < start + n ? mySpeed : 0) <= min + 1e-9) {
                atMin++;
            }
        }
        double sum = 0;
        for (int b = start; b < start + n; b++) {
            sum += coverage[b];
        }
        return new double[] {min, -atMin, -sum};
    }

    private static int compare(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i] - y[i]) > 1e-9 * Math.max(1, Math.abs(x[i]))) {
                return Double.compare(x[i], y[i]);
            }
        }
        return 0;
    }

    /** The best start for a window of {@code n} blocks among {@code layers}. */
    public static int choose(int layers, int n, double mySpeed, List<ServerInfo> others) {
        if (n < 1 || n > layers) {
            throw new IllegalArgumentException("a server holds 1.." + layers + " blocks, asked for " + n);
        }
        double[] c = coverage(layers, others);
        int best = 0;
        double[] bestScore = score(c, 0, n, mySpeed);
        for (int start = 1; start + n <= layers; start++) {
            double[] sc = score(c, start, n, mySpeed);
            if (compare(sc, bestScore) > 0) {
                best = start;
                bestScore = sc;
            }
        }
        return best;
    }

    /** Whether a server at {@code current} should move to the best window: only if the network gets strictly better. */
    public static boolean shouldMove(int layers, int current, int n, double mySpeed, List<ServerInfo> others) {
        double[] c = coverage(layers, others);
        int best = choose(layers, n, mySpeed, others);
        return best != current && compare(score(c, best, n, mySpeed), score(c, current, n, mySpeed)) > 0;
    }
}
