package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Servers whose step for some blocks a client recently saw confirmed by a second server, shared
 * by all its sequences: without this, every sequence (every HTTP request of a node serving a
 * network model) would send each route server's first step to a second server again. A server is
 * remembered per block range, since a check of blocks {@code [a, b)} says nothing of the others
 * it serves, and only for {@link #FRESH} (it may be restarted with other code under the same key);
 * random spot checks go on meanwhile. At most {@code limit} are kept (the oldest check is dropped
 * first), so a client that meets many servers over days does not grow without end.
 *
 * <p>Forgetting a server is {@link Servers}' part: a server banned, failed or found wrong is
 * forgotten, and never remembered again while banned.
 */
public final class VerifiedServers {
    static final Duration FRESH = Duration.ofMinutes(10);
    static final int LIMIT = 4096;

    private record Key(PeerId server, int first, int end) {
    }

    private final LongSupplier nanoClock;
    private final long freshNanos;
    private final int limit;
    /** When each was verified, oldest first (re-verifying moves one to the end). */
    private final LinkedHashMap<Key, Long> verifiedAt = new LinkedHashMap<>();

    public VerifiedServers() {
        this(System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in nanoseconds (tests pass their own) */
    public VerifiedServers(LongSupplier nanoClock) {
        this(nanoClock, FRESH, LIMIT);
    }

    VerifiedServers(LongSupplier nanoClock, Duration fresh, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("must remember at least one server, got " + limit);
        }
        this.nanoClock = nanoClock;
        this.freshNanos = fresh.toNanos();
        this.limit = limit;
    }

    /** Records that {@code server}'s step for blocks {@code [first, end)} matched a second server's now. */
    public synchronized void verified(PeerId server, int first, int end) {
        Key k = new Key(server, first, end);
        verifiedAt.remove(k);
        verifiedAt.put(k, nanoClock.getAsLong());
        if (verifiedAt.size() > limit) {
            Iterator<Map.Entry<Key, Long>> oldest = verifiedAt.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Whether {@code server}'s step for blocks {@code [first, end)} was verified within {@link #FRESH}. */
    public synchronized boolean isVerified(PeerId server, int first, int end) {
        Key k = new Key(server, first, end);
        Long at = verifiedAt.get(k);
        if (at == null) {
            return false;
        }
        if (nanoClock.getAsLong() - at < freshNanos) {
            return true;
        }
        verifiedAt.remove(k);
        return false;
    }

    /** Whether any block range of {@code server} is remembered as verified (expired or not). */
    public synchronized boolean remembers(PeerId server) {
        return verifiedAt.keySet().stream().anyMatch(k -> k.server().equals(server));
    }

    /** Forgets every block range of {@code server}: its next step is checked as a first one. */
    public synchronized void forget(PeerId server) {
        verifiedAt.keySet().removeIf(k -> k.server().equals(server));
    }

    /** How many are remembered (expired ones included until looked up or pushed out). */
    public synchronized int size() {
        return verifiedAt.size();
    }
}
