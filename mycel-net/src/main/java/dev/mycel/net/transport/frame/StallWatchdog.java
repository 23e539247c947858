package dev.mycel.net.transport.frame;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends connections stuck in one blocking read or write for longer than their timeout. A blocking
 * {@link java.nio.channels.SocketChannel} has no read timeout of its own ({@code SO_TIMEOUT} only
 * applies to socket streams, which would cost a copy per byte), so one shared daemon thread looks
 * at the registered connections a few times a second and closes the stalled ones; their blocked
 * call then fails at once.
 */
final class StallWatchdog {
    private static final long PERIOD_MS = 100;
    private static final Set<TlsConnection> WATCHED = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().daemon().name("tls-stall-watchdog").unstarted(r));

    static {
        TIMER.scheduleWithFixedDelay(StallWatchdog::sweep, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private StallWatchdog() {
    }

    static void watch(TlsConnection c) {
        WATCHED.add(c);
    }

    static void forget(TlsConnection c) {
        WATCHED.remove(c);
    }

    private static void sweep() {
        long now = System.nanoTime();
        for (TlsConnection c : WATCHED) {
            if (c.stalledAt(now)) {
                c.abort();
            }
        }
    }
}
