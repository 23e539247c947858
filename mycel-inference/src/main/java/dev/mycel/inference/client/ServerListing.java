package dev.mycel.inference.client;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The directory's list of the model's servers, reused by a client's new sequences for a few
 * seconds: a lookup costs DHT round trips that a warm node answering request after request
 * should not pay each time (servers announce every 30 s, so a list a few seconds old misses
 * nothing that fail-over does not cover). A sequence that finds no route asks again at once.
 */
public final class ServerListing {
    static final Duration FRESH = Duration.ofSeconds(10);
    private final LongSupplier nanoClock;
    private List<ServerEntry> servers;
    private long at;

    public ServerListing() {
        this(System::nanoTime);
    }

    ServerListing(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The list from the last {@link #FRESH} seconds, or a new one from {@code lookup}. */
    synchronized List<ServerEntry> get(Supplier<List<ServerEntry>> lookup) {
        if (servers != null && nanoClock.getAsLong() - at < FRESH.toNanos()) {
            return servers;
        }
        return refresh(lookup);
    }

    /** A new list from {@code lookup}, remembered for the sequences after. */
    synchronized List<ServerEntry> refresh(Supplier<List<ServerEntry>> lookup) {
        servers = List.copyOf(lookup.get());
        at = nanoClock.getAsLong();
        return servers;
    }
}
