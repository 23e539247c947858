package dev.mycel.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that run one data-parallel task at a time, with the calling
 * thread as worker 0.
 *
 * <p>A transformer step dispatches hundreds of short matrix products per token, so workers spin
 * briefly before parking: a dispatch then costs a few microseconds instead of a context switch.
 * Results never depend on the number of threads, because every task splits its work by output
 * element and each element is computed by one thread with the same operations.
 */
public final class ThreadPool implements AutoCloseable {
    /** A task over a contiguous range of items. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** A task over a contiguous range of items, told which worker runs it (for scratch space). */
    @FunctionalInterface
    public interface WorkerRangeTask {
        void run(int worker, int from, int to);
    }

    /** A task given the index of the worker running it. */
    @FunctionalInterface
    public interface WorkerTask {
        void run(int worker);
    }

    /**
     * How long a thread busy-waits before it parks. Long enough to bridge the gaps between the
     * matrix products of one token (norms, RoPE and quantizing activations take microseconds),
     * short enough that a pool waiting for something slower (the next token of a chat, or a
     * block server answering a remote step) hands its cores to whoever has work: counting spin
     * iterations instead, 20,000 of them took 350 us here, and on a machine shared by a client
     * and block servers that much spinning after every step slowed the servers down.
     */
    static final long SPIN_NANOS = Long.getLong("mycel.pool.spinMicros", 50) * 1000;
    /** Spin iterations between clock reads. */
    private static final int SPINS_PER_CHECK = 64;

    private final Thread[] workers;
    private final int threads;
    private volatile WorkerTask task;
    private volatile long generation;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;
    /** Until when (nanoTime) workers woken by {@link #wake} spin rather than park; 0: never woken. */
    private volatile long awakeUntil;
    private volatile Thread caller;

    public ThreadPool(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("thread count must be between 1 and 1024, not " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            int index = i;
            Thread t = Thread.ofPlatform().daemon().name("mycel-worker-" + i).unstarted(() -> loop(index));
            workers[i - 1] = t;
            t.start();
        }
    }

    /** A pool sized to the machine's cores. */
    public static ThreadPool forAvailableCores() {
        return new ThreadPool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} once on every worker and returns when all have finished. */
    public synchronized void runOnAll(WorkerTask task) {
        if (closed) {
            throw new IllegalStateException("thread pool is closed");
        }
        if (threads == 1) {
            task.run(0);
            return;
        }
        failure.set(null);
        this.task = task;
        pending.set(threads - 1);
        generation++;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable own = null;
        try {
            task.run(0);
        } catch (Throwable t) {
            own = t;
        }
        long spinUntil = 0;
        int spins = 0;
        while (pending.get() != 0) {
            if (spinning(++spins, spinUntil)) {
                if (spinUntil == 0) {
                    spinUntil = System.nanoTime() + SPIN_NANOS;
                }
                Thread.onSpinWait();
            } else {
                // The last worker to finish unparks us; the timeout covers the race where it
                // finished between our check and the park.
                caller = Thread.currentThread();
                if (pending.get() != 0) {
                    LockSupport.parkNanos(this, 100_000);
                }
            }
        }
        caller = null;
        this.task = null;
        Throwable other = failure.get();
        Throwable first = own != null ? own : other;
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    /**
     * Splits {@code [0, n)} into one contiguous range per worker, each a multiple of
     * {@code grain} items long (except the last), and runs {@code task} on them in parallel.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        parallelFor(n, grain, (WorkerRangeTask) (worker, from, to) -> task.run(from, to));
    }

    /** As {@link #parallelFor(int, int, RangeTask)}, telling each range which worker runs it. */
    public void parallelFor(int n, int grain, WorkerRangeTask task) {
        if (n <= 0) {
            return;
        }
        int units = (n + grain - 1) / grain;
        int active = Math.min(threads, units);
        if (active == 1) {
            task.run(0, 0, n);
            return;
        }
        runOnAll(worker -> {
            if (worker >= active) {
                return;
            }
            int from = (int) ((long) units * worker / active) * grain;
            int to = Math.min(n, (int) ((long) units * (worker + 1) / active) * grain);
            if (from < to) {
                task.run(worker, from, to);
            }
        });
    }

    /**
     * Runs {@code task} over {@code [0, n)} in ranges that the workers take from a shared counter
     * until none are left ("guided" scheduling): each range is an equal share of what remains
     * between twice the thread count, rounded up to whole grains, and at least {@code minChunk}
     * items (a multiple of {@code grain}). Early ranges are long, the last ones short, so that
     * workers that run at different speeds, or start at different times, finish together.
     * Ranges start at multiples of {@code grain}. Which worker runs a range never changes what
     * the range computes, so results stay the same.
     */
    public void parallelForGuided(int n, int grain, int minChunk, RangeTask task) {
        if (grain < 1 || minChunk < grain || minChunk % grain != 0) {
            throw new IllegalArgumentException("minimum chunk " + minChunk + " must be a positive multiple of the grain " + grain);
        }
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= minChunk) {
            task.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int shares = 2 * threads;
        runOnAll(worker -> {
            while (true) {
                int from = next.get();
                if (from >= n) {
                    return;
                }
                int size = Math.max(minChunk, ((n - from) / shares + grain - 1) / grain * grain);
                int to = Math.min(n, from + size);
                if (next.compareAndSet(from, to)) {
                    task.run(from, to);
                }
            }
        });
    }

    private void loop(int index) {
        long seen = 0;
        while (true) {
            long spinUntil = 0;
            int spins = 0;
            while (generation == seen && !closed) {
                if (spinning(++spins, spinUntil)) {
                    if (spinUntil == 0) {
                        spinUntil = System.nanoTime() + SPIN_NANOS;
                    }
                    Thread.onSpinWait();
                } else if (System.nanoTime() - awakeUntil < 0) {
                    spinUntil = awakeUntil; // woken ahead of a task: spin until it comes or the time is up
                } else {
                    LockSupport.park(this);
                    spins = 0;
                    spinUntil = 0;
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                task.run(index);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    Thread waiting = caller;
                    if (waiting != null) {
                        LockSupport.unpark(waiting);
                    }
                }
            }
        }
    }

    /**
     * Wakes the parked workers now, ahead of a task known to come soon, and keeps them spinning
     * for up to {@code nanos} waiting for it, so that the task does not wait for their wake-up.
     */
    public void wake(long nanos) {
        if (threads == 1 || closed) {
            return;
        }
        awakeUntil = System.nanoTime() + nanos;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** Whether to go on spinning: yes until the deadline (0 = not set yet), read every few spins. */
    private static boolean spinning(int spins, long spinUntil) {
        return spinUntil == 0 || spins % SPINS_PER_CHECK != 0 || System.nanoTime() - spinUntil < 0;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
