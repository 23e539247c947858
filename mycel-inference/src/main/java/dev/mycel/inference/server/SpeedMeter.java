package dev.mycel.inference.server;

import java.util.Arrays;

/**
 * A server's speed as its clients meet it, in blocks of one token per second: the median of the
 * last {@link #WINDOW} single-token steps it served (one decode step per token is what routes
 * are made of), seeded by a warm measurement at start. A median, so that one step delayed by a
 * garbage collection or a busy neighbour does not move the route planning of every client, and
 * a window, so that a machine that got busier is announced slower within minutes.
 */
final class SpeedMeter {
    static final int WINDOW = 64;
    private final long[] nanosPerBlock = new long[WINDOW];
    private int count;
    private int next;

    /** Records a single-token step through {@code blocks} blocks that took {@code nanos}. */
    synchronized void record(int blocks, long nanos) {
        if (blocks < 1 || nanos <= 0) {
            return;
        }
        nanosPerBlock[next] = Math.max(1, nanos / blocks);
        next = (next + 1) % WINDOW;
        count = Math.min(WINDOW, count + 1);
    }

    /** Blocks per second by the median of the recorded steps; 0 before any. */
    synchronized double blocksPerSecond() {
        if (count == 0) {
            return 0;
        }
        long[] recent = Arrays.copyOf(nanosPerBlock, count);
        Arrays.sort(recent);
        long median = count % 2 == 1 ? recent[count / 2] : (recent[count / 2 - 1] + recent[count / 2]) / 2;
        return 1e9 / median;
    }
}
