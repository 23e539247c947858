package dev.mycel.inference.server;

import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
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
    /** Warm-up passes of {@link #measure} stop after this many, or {@link #WARMUP_NANOS}. */
    private static final int WARMUP_PASSES = 200;
    /**
     * Long enough for the JIT to compile the kernels (a cold first pass runs 10-50x slower than
     * a warm one, which is what a single measurement used to announce), short enough for a start.
     */
    private static final long WARMUP_NANOS = 1_000_000_000L;
    private static final int TIMED_PASSES = 9;
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

    /**
     * Measures {@code b} warm: single-token passes through every block until the JIT has
     * compiled them (up to a second), then records {@value #TIMED_PASSES} more; returns the
     * speed announced from then on.
     */
    double measure(ServedBlocks b) {
        LlamaModel model = b.span(b.first(), b.end());
        InferenceState s = model.newState(4, 1);
        float[] x = new float[b.config().dim()];
        long start = System.nanoTime();
        for (int i = 0; i < WARMUP_PASSES && System.nanoTime() - start < WARMUP_NANOS; i++) {
            pass(model, s, x);
        }
        for (int i = 0; i < TIMED_PASSES; i++) {
            long t0 = System.nanoTime();
            pass(model, s, x);
            record(b.end() - b.first(), System.nanoTime() - t0);
        }
        return blocksPerSecond();
    }

    /** One token through the blocks at position 0, so the cache never fills. */
    private static void pass(LlamaModel model, InferenceState s, float[] x) {
        Arrays.fill(x, 0.01f);
        s.rewind(0);
        model.blocks(s, x, 1);
    }
}
