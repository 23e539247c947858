package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Servers that recently failed to connect or to do a step, avoided for a while by every
 * sequence of a client: the DHT may still list a server that died (its announcement lives a few
 * minutes), and without this each new sequence would try it again and pay the failure again.
 * The wait doubles with each failure in a row, from {@link #FIRST} up to {@link #LONGEST}, and a
 * server that works again is forgiven at once. A server being avoided is still used when no
 * route exists without it: back-off saves time, it never makes a model unreachable.
 */
public final class ServerBackoff {
    static final Duration FIRST = Duration.ofSeconds(10);
    static final Duration LONGEST = Duration.ofMinutes(10);

    private record State(int failures, long untilNanos) {
    }

    private final LongSupplier nanoClock;
    private final Map<PeerId, State> states = new ConcurrentHashMap<>();

    public ServerBackoff() {
        this(System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in nanoseconds (tests pass their own) */
    public ServerBackoff(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** How long a server is avoided after {@code failures} failures in a row (at least one). */
    static Duration delay(int failures) {
        int doublings = Math.min(Math.max(failures, 1) - 1, 16);
        Duration d = FIRST.multipliedBy(1L << doublings);
        return d.compareTo(LONGEST) < 0 ? d : LONGEST;
    }

    /** Records a failure of {@code server}: it is avoided for the next {@link #delay} of its failures. */
    public void failed(PeerId server) {
        long now = nanoClock.getAsLong();
        states.compute(server, (p, old) -> {
            int n = old == null ? 1 : old.failures() + 1;
            return new State(n, now + delay(n).toNanos());
        });
    }

    /** Records that {@code server} worked: its failures are forgotten. */
    public void succeeded(PeerId server) {
        states.remove(server);
    }

    /** Whether {@code server} is being avoided now. */
    public boolean avoided(PeerId server) {
        State s = states.get(server);
        return s != null && nanoClock.getAsLong() - s.untilNanos() < 0;
    }

    /** The servers being avoided now. */
    public Set<PeerId> avoided() {
        long now = nanoClock.getAsLong();
        Set<PeerId> out = new HashSet<>();
        states.forEach((p, s) -> {
            if (now - s.untilNanos() < 0) {
                out.add(p);
            }
        });
        return out;
    }
}
