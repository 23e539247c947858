package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VerifiedServersTest {
    private final AtomicLong now = new AtomicLong(-5_000_000_000L); // monotonic clocks may start anywhere
    private final VerifiedServers verified = new VerifiedServers(now::get);
    private final PeerId a = NodeIdentity.generate().peerId();
    private final PeerId b = NodeIdentity.generate().peerId();

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aServerIsVerifiedForTenMinutesThenCheckedAgain() {
        assertFalse(verified.isVerified(a, 0, 5));
        verified.verified(a, 0, 5);
        assertTrue(verified.isVerified(a, 0, 5));
        advance(VerifiedServers.FRESH.minusNanos(1));
        assertTrue(verified.isVerified(a, 0, 5));
        advance(Duration.ofNanos(1));
        assertFalse(verified.isVerified(a, 0, 5), "expired at ten minutes");
        assertEquals(0, verified.size(), "an expired entry is dropped when looked up");
    }

    @Test
    void verifyingAgainRestartsTheTenMinutes() {
        verified.verified(a, 0, 5);
        advance(Duration.ofMinutes(8));
        verified.verified(a, 0, 5);
        advance(Duration.ofMinutes(8));
        assertTrue(verified.isVerified(a, 0, 5));
    }

    @Test
    void aCheckOfSomeBlocksSaysNothingOfTheOthers() {
        verified.verified(a, 0, 5);
        assertFalse(verified.isVerified(a, 0, 2));
        assertFalse(verified.isVerified(a, 2, 5));
        assertFalse(verified.isVerified(b, 0, 5));
    }

    @Test
    void forgettingAServerForgetsAllItsBlocksAndNoOneElse() {
        verified.verified(a, 0, 2);
        verified.verified(a, 2, 5);
        verified.verified(b, 0, 5);
        verified.forget(a);
        assertFalse(verified.isVerified(a, 0, 2));
        assertFalse(verified.isVerified(a, 2, 5));
        assertFalse(verified.remembers(a));
        assertTrue(verified.isVerified(b, 0, 5));
    }

    @Test
    void atItsLimitTheOldestCheckIsDropped() {
        VerifiedServers small = new VerifiedServers(now::get, VerifiedServers.FRESH, 3);
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            peers.add(NodeIdentity.generate().peerId());
        }
        small.verified(peers.get(0), 0, 5);
        small.verified(peers.get(1), 0, 5);
        small.verified(peers.get(2), 0, 5);
        small.verified(peers.get(0), 0, 5); // checked again: now the newest
        small.verified(peers.get(3), 0, 5);
        assertEquals(3, small.size());
        assertFalse(small.isVerified(peers.get(1), 0, 5), "the oldest check went");
        assertTrue(small.isVerified(peers.get(0), 0, 5));
        assertTrue(small.isVerified(peers.get(2), 0, 5));
        assertTrue(small.isVerified(peers.get(3), 0, 5));
    }

    @Test
    void itRemembersAtLeastOne() {
        assertThrows(IllegalArgumentException.class, () -> new VerifiedServers(now::get, VerifiedServers.FRESH, 0));
    }
}
