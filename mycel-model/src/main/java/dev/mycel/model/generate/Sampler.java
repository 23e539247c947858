package dev.mycel.model.generate;

import dev.mycel.tensor.VectorMath;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits as {@link SamplerConfig} says. The random draw uses
 * {@link SplittableRandom}, whose algorithm Java specifies exactly, and all probabilities are
 * computed with the platform-independent {@link VectorMath#exp}: the same seed and logits give
 * the same token on every machine.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private final int[] recent;
    private int recentCount;
    private int recentNext;
    private long[] order = new long[0];
    private double[] probs = new double[0];

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.recent = new int[config.repeatLastN()];
    }

    public SamplerConfig config() {
        return config;
    }

    /** Remembers a token of the context (prompt or generated) for the repetition penalty. */
    public void accept(int token) {
        if (recent.length == 0) {
            return;
        }
        recent[recentNext] = token;
        recentNext = (recentNext + 1) % recent.length;
        recentCount = Math.min(recentCount + 1, recent.length);
    }

    /** Picks the next token. {@code logits} is not modified. */
    public int sample(float[] logits) {
        float[] l = logits;
        if (config.repeatPenalty() != 1f && recentCount > 0) {
            l = logits.clone();
            boolean[] seen = new boolean[l.length];
            for (int i = 0; i < recentCount; i++) {
                int t = recent[i];
                if (t >= 0 && t < l.length && !seen[t]) {
                    seen[t] = true;
                    l[t] = l[t] > 0 ? l[t] / config.repeatPenalty() : l[t] * config.repeatPenalty();
                }
            }
        }
        if (config.isGreedy()) {
            return VectorMath.argmax(l, 0, l.length);
        }
        int n = sortDescending(l);
        if (config.topK() > 0) {
            n = Math.min(n, config.topK());
        }
        // top-p and min-p look at the distribution before temperature, as llama.cpp's chain does.
        n = softmax(l, n, 1f);
        if (config.topP() < 1f) {
            double cumulative = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cumulative += probs[i];
                if (cumulative >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
            n = softmax(l, n, 1f);
        }
        if (config.minP() > 0f) {
            double threshold = probs[0] * config.minP();
            int keep = 1;
            while (keep < n && probs[keep] >= threshold) {
                keep++;
            }
            n = keep;
        }
        n = softmax(l, n, config.temperature());
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += probs[i];
            if (u < cumulative) {
                return idAt(i);
            }
        }
        return idAt(n - 1);
    }

    /**
     * Sorts token ids by logit, highest first (lowest id first among equal logits), into
     * {@link #order}; returns the vocabulary size.
     */
    private int sortDescending(float[] l) {
        if (order.length != l.length) {
            order = new long[l.length];
            probs = new double[l.length];
        }
        for (int i = 0; i < l.length; i++) {
            // Map the float to an int that orders like the float, negate for descending order,
            // and keep the id in the low bits so equal logits order by id.
            int bits = Float.floatToIntBits(l[i]);
            int key = bits >= 0 ? bits : bits ^ 0x7fffffff;
            order[i] = ((long) (-(long) key - 1) << 32) | i;
        }
        int k = config.topK();
        if (k > 0 && k < l.length / 8) {
            partialSort(k);
        } else {
            Arrays.sort(order);
        }
        return l.length;
    }

    /** Moves the k smallest keys to the front, sorted, in O(n log k). */
    private void partialSort(int k) {
        java.util.PriorityQueue<Long> heap = new java.util.PriorityQueue<>(k + 1, java.util.Comparator.reverseOrder());
        for (long key : order) {
            if (heap.size() < k) {
                heap.add(key);
            } else if (key < heap.peek()) {
                heap.poll();
                heap.add(key);
            }
        }
        long[] best = new long[heap.size()];
        for (int i = best.length - 1; i >= 0; i--) {
            best[i] = heap.poll();
        }
        System.arraycopy(best, 0, order, 0, best.length);
    }

    private int idAt(int rank) {
        return (int) order[rank];
    }

    /** Probabilities of the first {@code n} ranked tokens at a temperature, into {@link #probs}. */
    private int softmax(float[] l, int n, float temperature) {
        float max = l[idAt(0)] / temperature;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = VectorMath.exp(l[idAt(i)] / temperature - max);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) {
            probs[i] /= sum;
        }
        return n;
    }
}
