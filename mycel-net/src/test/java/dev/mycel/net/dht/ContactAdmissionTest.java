package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.PeerId;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admission of callers into the routing table, with the call back replaced by a function
 * (the real ping runs in DhtAttackTest) and an injected clock instead of sleeps.
 */
class ContactAdmissionTest {
    private static final ContactLimits LIMITS = ContactLimits.defaults().withChecks(Duration.ofSeconds(2), 4, Duration.ofMinutes(10),
            Duration.ofMinutes(5));
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final List<Contact> admitted = new CopyOnWriteArrayList<>();
    private final Random random = new Random(11);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private Contact contact(String host, int port) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new Contact(PeerId.ofRawKey(key), host, port);
    }

    private ContactAdmission admission(ContactAdmission.Check check) {
        return new ContactAdmission(LIMITS, clock::get, check, admitted::add, executor);
    }

    private static ContactAdmission.Verdict verdict(ContactAdmission.Attempt a) throws Exception {
        return a.verdict().get(5, TimeUnit.SECONDS);
    }

    @Test
    void decisionFollowsWhatIsRemembered() {
        long now = 100 * MINUTE;
        long recent = now - MINUTE;
        long old = now - 11 * MINUTE;
        assertEquals(ContactAdmission.Decision.CHECK, ContactAdmission.decide(null, null, null, false, 0, now, LIMITS));
        assertEquals(ContactAdmission.Decision.PROVEN_RECENTLY, ContactAdmission.decide(recent, null, null, false, 0, now, LIMITS));
        assertEquals(ContactAdmission.Decision.CHECK, ContactAdmission.decide(old, null, null, false, 0, now, LIMITS));
        assertEquals(ContactAdmission.Decision.FAILED_RECENTLY, ContactAdmission.decide(null, recent, null, false, 0, now, LIMITS));
        assertEquals(ContactAdmission.Decision.FAILED_RECENTLY, ContactAdmission.decide(null, null, recent, false, 0, now, LIMITS),
                "an address that timed out fails any id claiming it");
        assertEquals(ContactAdmission.Decision.PROVEN_RECENTLY, ContactAdmission.decide(recent, null, old, false, 0, now, LIMITS),
                "proven after the address failed");
        assertEquals(ContactAdmission.Decision.FAILED_RECENTLY, ContactAdmission.decide(old, recent, null, false, 0, now, LIMITS),
                "failed after it was proven");
        assertEquals(ContactAdmission.Decision.CHECK, ContactAdmission.decide(null, old, old, false, 0, now, LIMITS));
        assertEquals(ContactAdmission.Decision.ALREADY_CHECKING, ContactAdmission.decide(null, null, null, true, 4, now, LIMITS));
        assertEquals(ContactAdmission.Decision.QUEUE_FULL, ContactAdmission.decide(null, null, null, false, 4, now, LIMITS));
    }

    @Test
    void provenCallerIsAdmittedAndNotCheckedAgainForAWhile() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        ContactAdmission a = admission(c -> checks.incrementAndGet());
        Contact c = contact("203.0.113.5", 4000);
        assertEquals(ContactAdmission.Verdict.PROVEN, verdict(a.prove(c)));
        a.offer(c);
        assertEquals(ContactAdmission.Decision.PROVEN_RECENTLY, a.offer(c));
        assertEquals(1, checks.get());
        assertEquals(2, admitted.size(), "each offer of a proven caller admits it (refreshing it in the table)");
        // A contact that failed a call since is forgotten and checked before it returns.
        a.forget(c);
        assertEquals(ContactAdmission.Verdict.PROVEN, verdict(a.prove(c)));
        assertEquals(2, checks.get());
        clock.addAndGet(6 * MINUTE);
        assertEquals(ContactAdmission.Decision.PROVEN_RECENTLY, a.prove(c).decision(), "a pass is remembered longer than a failure");
        clock.addAndGet(5 * MINUTE);
        assertEquals(ContactAdmission.Decision.CHECK, a.prove(c).decision(), "checked again after ten minutes");
    }

    @Test
    void failedCallerStaysOutAndATimedOutAddressFailsEveryIdClaimingIt() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        ContactAdmission a = admission(c -> {
            checks.incrementAndGet();
            throw (c.port() == 9 ? Status.DEADLINE_EXCEEDED : Status.UNAVAILABLE).asRuntimeException();
        });
        Contact refused = contact("203.0.113.5", 8);
        assertEquals(ContactAdmission.Verdict.REFUSED, verdict(a.prove(refused)));
        assertEquals(ContactAdmission.Decision.FAILED_RECENTLY, a.offer(refused));
        // Another id at a refusing port is checked: a refusal says nothing about the next id.
        assertEquals(ContactAdmission.Decision.CHECK, a.prove(contact("203.0.113.5", 8)).decision());
        Contact trap = contact("203.0.113.5", 9);
        assertEquals(ContactAdmission.Verdict.REFUSED, verdict(a.prove(trap)));
        int before = checks.get();
        for (int i = 0; i < 300; i++) {
            assertEquals(ContactAdmission.Decision.FAILED_RECENTLY, a.offer(contact("203.0.113.5", 9)));
        }
        assertEquals(before, checks.get(), "300 throwaway ids claiming the trap cost no further check");
        assertTrue(admitted.isEmpty());
        clock.addAndGet(6 * MINUTE);
        assertEquals(ContactAdmission.Decision.CHECK, a.prove(contact("203.0.113.5", 9)).decision());
    }

    @Test
    void checksBeyondThePendingBoundAreDroppedAndOneCandidateIsCheckedOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger checks = new AtomicInteger();
        ContactAdmission a = admission(c -> {
            checks.incrementAndGet();
            release.await();
        });
        List<ContactAdmission.Decision> decisions = new ArrayList<>();
        List<Contact> offered = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            Contact c = contact("198.51.100." + i, 4000);
            offered.add(c);
            decisions.add(a.offer(c));
        }
        assertEquals(ContactAdmission.Decision.ALREADY_CHECKING, a.offer(offered.getFirst()));
        assertEquals(4, decisions.stream().filter(d -> d == ContactAdmission.Decision.CHECK).count());
        assertEquals(10, decisions.stream().filter(d -> d == ContactAdmission.Decision.QUEUE_FULL).count());
        assertEquals(10, a.counts().dropped());
        release.countDown();
        for (int i = 0; i < 4; i++) {
            verdict(a.prove(offered.get(i)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        // Five admissions of four contacts: the offer made while its check ran is answered by that check.
        while (admitted.size() < 5 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(5, admitted.size());
        assertEquals(new java.util.HashSet<>(offered.subList(0, 4)), new java.util.HashSet<>(admitted));
        assertEquals(4, checks.get(), "the candidate offered twice was checked once");
        // The dropped ones are checked when they call again, now that there is room.
        assertEquals(ContactAdmission.Decision.CHECK, a.offer(offered.get(13)));
    }
}
