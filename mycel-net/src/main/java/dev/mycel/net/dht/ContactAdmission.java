package dev.mycel.net.dht;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Decides whether a peer that called us may enter the routing table. A caller proves its id
 * (mutual TLS) but only claims the port it listens on, so before it counts as a contact we call
 * it back at its source address and that port, over a channel that insists on its id: only a
 * peer that really listens there passes. Checks run in the background (never on the inbound
 * call), at most {@code maxPendingChecks} at once (callers beyond that are dropped, to be tried
 * again when they call later), and a candidate checked recently is not checked again: a pass
 * admits it at once (for longer), a failure keeps it out (for a shorter while, since a busy
 * machine can fail a check too). An address that let a check time out (it accepts
 * connections and never answers, the cheapest trap) fails every id that claims it for the same while.
 */
final class ContactAdmission {
    /** Proves that the peer answers at the contact's address; throws when it does not. */
    interface Check {
        void prove(Contact candidate) throws Exception;
    }

    /** What {@link #decide} says to do with a candidate. */
    enum Decision { PROVEN_RECENTLY, FAILED_RECENTLY, ALREADY_CHECKING, QUEUE_FULL, CHECK }

    /** How a check ended: {@code BUSY} when it could not run (too many pending). */
    enum Verdict { PROVEN, REFUSED, BUSY }

    record Attempt(Decision decision, CompletableFuture<Verdict> verdict) {
    }

    record Counts(long checked, long proven, long refused, long dropped, int pending) {
    }

    /** Remembered outcomes are bounded: the oldest are forgotten first (and merely checked again). */
    private static final int MEMORY = 4096;

    private final ContactLimits limits;
    private final LongSupplier nanoClock;
    private final Check check;
    private final Consumer<Contact> admit;
    private final Executor executor;
    private final Map<Contact, Long> provenAt = bounded();
    private final Map<Contact, Long> failedAt = bounded();
    private final Map<String, Long> deadAddressAt = bounded();
    private final Map<Contact, CompletableFuture<Verdict>> inFlight = new HashMap<>();
    private final AtomicLong checked = new AtomicLong();
    private final AtomicLong proven = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    ContactAdmission(ContactLimits limits, LongSupplier nanoClock, Check check, Consumer<Contact> admit, Executor executor) {
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.check = check;
        this.admit = admit;
        this.executor = executor;
    }

    private static <K> Map<K, Long> bounded() {
        return new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Long> eldest) {
                return size() > MEMORY;
            }
        };
    }

    /**
     * The decision for a candidate, from what is remembered about it (times in nanoseconds, null
     * when never) and how many checks are pending.
     */
    static Decision decide(Long provenAt, Long failedAt, Long addressDeadAt, boolean checking, int pending, long now,
                           ContactLimits limits) {
        Long lastFailure = failedAt == null ? addressDeadAt
                : addressDeadAt == null ? failedAt : Long.valueOf(Math.max(failedAt, addressDeadAt));
        if (lastFailure != null && now - lastFailure < limits.retryFailedAfter().toNanos()
                && (provenAt == null || provenAt < lastFailure)) {
            return Decision.FAILED_RECENTLY;
        }
        if (provenAt != null && now - provenAt < limits.provenFor().toNanos()) {
            return Decision.PROVEN_RECENTLY;
        }
        if (checking) {
            return Decision.ALREADY_CHECKING;
        }
        return pending >= limits.maxPendingChecks() ? Decision.QUEUE_FULL : Decision.CHECK;
    }

    /** A peer called from this address: admit it once it is proven (in the background). */
    Decision offer(Contact candidate) {
        Attempt a = prove(candidate);
        a.verdict().thenAccept(v -> {
            if (v == Verdict.PROVEN) {
                admit.accept(candidate);
            }
        });
        return a.decision();
    }

    /** Proves the candidate, or answers from what is remembered; the verdict completes when the check ends. */
    Attempt prove(Contact candidate) {
        CompletableFuture<Verdict> verdict;
        Decision d;
        synchronized (this) {
            d = decide(provenAt.get(candidate), failedAt.get(candidate), deadAddressAt.get(candidate.address()),
                    inFlight.containsKey(candidate), inFlight.size(), nanoClock.getAsLong(), limits);
            switch (d) {
                case PROVEN_RECENTLY -> verdict = CompletableFuture.completedFuture(Verdict.PROVEN);
                case FAILED_RECENTLY -> verdict = CompletableFuture.completedFuture(Verdict.REFUSED);
                case ALREADY_CHECKING -> verdict = inFlight.get(candidate);
                case QUEUE_FULL -> {
                    dropped.incrementAndGet();
                    verdict = CompletableFuture.completedFuture(Verdict.BUSY);
                }
                default -> {
                    verdict = new CompletableFuture<>();
                    inFlight.put(candidate, verdict);
                }
            }
        }
        if (d == Decision.CHECK) {
            CompletableFuture<Verdict> result = verdict;
            try {
                executor.execute(() -> run(candidate, result));
            } catch (RejectedExecutionException closing) {
                synchronized (this) {
                    inFlight.remove(candidate);
                }
                result.complete(Verdict.BUSY);
            }
        }
        return new Attempt(d, verdict);
    }

    private void run(Contact candidate, CompletableFuture<Verdict> result) {
        checked.incrementAndGet();
        Verdict v;
        boolean timedOut = false;
        try {
            check.prove(candidate);
            v = Verdict.PROVEN;
        } catch (Exception e) {
            v = Verdict.REFUSED;
            timedOut = e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED;
        }
        long now = nanoClock.getAsLong();
        synchronized (this) {
            inFlight.remove(candidate);
            if (v == Verdict.PROVEN) {
                provenAt.put(candidate, now);
                failedAt.remove(candidate);
            } else {
                failedAt.put(candidate, now);
                if (timedOut) {
                    deadAddressAt.put(candidate.address(), now);
                }
            }
        }
        (v == Verdict.PROVEN ? proven : refused).incrementAndGet();
        result.complete(v);
    }

    /** Forgets that the candidate was proven (it failed a call since), so it is checked again before it returns. */
    synchronized void forget(Contact candidate) {
        provenAt.remove(candidate);
    }

    synchronized Counts counts() {
        return new Counts(checked.get(), proven.get(), refused.get(), dropped.get(), inFlight.size());
    }
}
