package dev.mycel.net.transport.grpc;

import dev.mycel.net.identity.PeerId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per peer: each call takes a token; tokens come back at a fixed rate up to a
 * burst. A peer that floods is refused while every other peer's bucket is untouched.
 */
public final class RateLimiter {
    private final double perNano;
    private final double burst;
    private final LongSupplier clock;
    private final ConcurrentHashMap<PeerId, Bucket> buckets = new ConcurrentHashMap<>();
    private static final int MAX_TRACKED = 100_000;

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }

    public RateLimiter(double perSecond, int burst) {
        this(perSecond, burst, System::nanoTime);
    }

    RateLimiter(double perSecond, int burst, LongSupplier clock) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.clock = clock;
    }

    /** Takes one token from the peer's bucket; false when it is empty. */
    public boolean tryAcquire(PeerId peer) {
        long now = clock.getAsLong();
        if (buckets.size() > MAX_TRACKED) {
            // Forget full buckets: they behave exactly like new ones.
            buckets.values().removeIf(b -> b.tokens + (now - b.last) * perNano >= burst);
        }
        Bucket b = buckets.computeIfAbsent(peer, p -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.last) * perNano);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
