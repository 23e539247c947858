package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerBackoffTest {
    private final AtomicLong now = new AtomicLong(-5_000_000_000L); // monotonic clocks may start anywhere
    private final ServerBackoff backoff = new ServerBackoff(now::get);
    private final PeerId a = NodeIdentity.generate().peerId();
    private final PeerId b = NodeIdentity.generate().peerId();

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void theWaitDoublesFromTenSecondsToTenMinutes() {
        assertEquals(Duration.ofSeconds(10), ServerBackoff.delay(1));
        assertEquals(Duration.ofSeconds(20), ServerBackoff.delay(2));
        assertEquals(Duration.ofSeconds(320), ServerBackoff.delay(6));
        assertEquals(Duration.ofMinutes(10), ServerBackoff.delay(7));
        assertEquals(Duration.ofMinutes(10), ServerBackoff.delay(1_000_000));
        assertEquals(Duration.ofSeconds(10), ServerBackoff.delay(0));
    }

    @Test
    void aFailedServerIsAvoidedForItsDelayThenTriedAgain() {
        backoff.failed(a);
        assertTrue(backoff.avoided(a));
        assertFalse(backoff.avoided(b));
        assertEquals(Set.of(a), backoff.avoided());
        advance(Duration.ofSeconds(9));
        assertTrue(backoff.avoided(a));
        advance(Duration.ofSeconds(1));
        assertFalse(backoff.avoided(a));
        assertEquals(Set.of(), backoff.avoided());
        // Failing again right after: twice as long.
        backoff.failed(a);
        advance(Duration.ofSeconds(19));
        assertTrue(backoff.avoided(a));
        advance(Duration.ofSeconds(1));
        assertFalse(backoff.avoided(a));
    }

    @Test
    void aServerThatWorksIsForgivenAtOnce() {
        backoff.failed(a);
        backoff.failed(a);
        backoff.succeeded(a);
        assertFalse(backoff.avoided(a));
        backoff.failed(a);
        advance(Duration.ofSeconds(10));
        assertFalse(backoff.avoided(a), "the count started over");
    }
}
