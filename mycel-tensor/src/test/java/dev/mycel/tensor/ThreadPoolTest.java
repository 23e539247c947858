package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Dispatch, parking and waking of {@link ThreadPool}: every item runs once, failures come back. */
class ThreadPoolTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyItemRunsOnceWhetherWorkersSpinParkOrWereWokenAhead() {
        Random random = new Random(7);
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int round = 0; round < 400; round++) {
                int n = 1 + random.nextInt(5000);
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                if (round % 2 == 0) {
                    pool.parallelFor(n, 1 + random.nextInt(64), (from, to) -> {
                        for (int i = from; i < to; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                } else {
                    int grain = 1 + random.nextInt(16);
                    pool.parallelForGuided(n, grain, grain * (1 + random.nextInt(4)), (from, to) -> {
                        for (int i = from; i < to; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "round " + round + ", item " + i);
                }
                // Gaps shorter and longer than the spin time, so that workers are found both
                // spinning and parked; and wakes ahead of the next task, some running out first.
                if (random.nextInt(4) == 0) {
                    LockSupport.parkNanos(ThreadPool.SPIN_NANOS * (1 + random.nextInt(4)));
                }
                if (random.nextInt(3) == 0) {
                    pool.wake(random.nextInt(400_000));
                    LockSupport.parkNanos(random.nextInt(200_000));
                }
            }
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAndThePoolGoesOn() {
        try (ThreadPool pool = new ThreadPool(2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> pool.runOnAll(worker -> {
                if (worker == 1) {
                    throw new IllegalArgumentException("worker 1 failed");
                }
            }));
            assertEquals("worker 1 failed", e.getMessage());
            AtomicIntegerArray ran = new AtomicIntegerArray(2);
            pool.runOnAll(worker -> ran.incrementAndGet(worker));
            assertEquals(1, ran.get(0));
            assertEquals(1, ran.get(1));
        }
    }

    @Test
    void wakingAOneThreadOrClosedPoolDoesNothing() {
        try (ThreadPool one = new ThreadPool(1)) {
            one.wake(1_000_000);
            int[] ran = new int[1];
            one.runOnAll(w -> ran[0]++);
            assertEquals(1, ran[0]);
        }
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        pool.wake(1_000_000);
        assertThrows(IllegalStateException.class, () -> pool.runOnAll(w -> { }));
    }

    @Test
    void aClosedPoolRefusesWork() {
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.runOnAll(worker -> { }));
    }
}
