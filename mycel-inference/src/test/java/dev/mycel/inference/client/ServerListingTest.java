package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerListingTest {
    private final AtomicLong now = new AtomicLong(123);
    private final ServerListing listing = new ServerListing(now::get);
    private final AtomicInteger lookups = new AtomicInteger();

    private List<ServerEntry> lookup() {
        lookups.incrementAndGet();
        return List.of();
    }

    @Test
    void aListIsReusedWhileFreshThenLookedUpAgain() {
        listing.get(this::lookup);
        now.addAndGet(ServerListing.FRESH.minus(Duration.ofMillis(1)).toNanos());
        listing.get(this::lookup);
        assertEquals(1, lookups.get());
        now.addAndGet(Duration.ofMillis(1).toNanos());
        listing.get(this::lookup);
        assertEquals(2, lookups.get());
    }

    @Test
    void aRefreshAlwaysLooksUpAndIsReusedAfter() {
        listing.get(this::lookup);
        listing.refresh(this::lookup);
        listing.get(this::lookup);
        assertEquals(2, lookups.get());
    }
}
