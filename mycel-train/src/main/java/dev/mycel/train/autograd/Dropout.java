package dev.mycel.train.autograd;

/**
 * Inverted dropout with a counter-based mask: whether element i of layer {@code site} is kept at
 * optimiser step s is a pure function of (seed, s, site, i), SplitMix64's finaliser over the
 * mixed counters. No generator state moves, so a run resumed from a checkpoint draws the masks an
 * uninterrupted run draws, and any thread may compute any element.
 */
public final class Dropout {
    private Dropout() {
    }

    /** Zeroes each element with probability {@code p} and scales the rest by 1/(1−p); identity outside training. */
    public static Tensor apply(Tape tape, Tensor x, float p, long seed, int site) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), not " + p);
        }
        if (!tape.training() || p == 0f) {
            return x;
        }
        float scale = 1f / (1f - p);
        // Keep when the top 24 bits, as a fraction of 2^24, are at least p.
        long threshold = (long) Math.ceil(p * (double) (1 << 24));
        float[] xd = x.data();
        boolean[] keep = new boolean[xd.length];
        Tensor y = tape.zeros(x.requiresGrad(), x.shape());
        float[] yd = y.data();
        long base = mix(seed ^ mix(tape.step() * 0x9E3779B97F4A7C15L + site));
        for (int i = 0; i < xd.length; i++) {
            keep[i] = (mix(base + i) >>> 40) >= threshold;
            yd[i] = keep[i] ? xd[i] * scale : 0f;
        }
        if (x.requiresGrad()) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                for (int i = 0; i < xd.length; i++) {
                    if (keep[i]) {
                        dx[i] += dy[i] * scale;
                    }
                }
            });
        }
        return y;
    }

    /** SplitMix64's output function (Steele, Lea and Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
