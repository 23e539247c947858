package dev.mycel.ledger.embedded;

import dev.mycel.ledger.Head;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.chain.HashChain;
import dev.mycel.ledger.chain.Replay;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.state.EscrowView;
import dev.mycel.ledger.state.LedgerState;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.TransactionCodec;
import dev.mycel.net.identity.PeerId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The embedded ledger: the state in memory, the hash chain in a SQLite file, one writer thread.
 *
 * <p>Group commit: submitters check signatures on their own threads and queue; the writer takes
 * everything queued (up to {@link #MAX_BATCH}), applies each transaction to the state in order
 * (a refused one fails at once and changes nothing), writes the accepted ones as one SQLite
 * transaction, and only after that commit completes their futures. One fsync then covers a
 * whole batch, which is how durability does not cost throughput. The writer holds the lock from
 * apply to commit, so a reader never sees a balance that is not yet on disk.
 *
 * <p>A transaction whose nonce is ahead of its signer's (one of several a client pipelined,
 * overtaken on the way) waits up to {@link #PARK_MILLIS} for the ones before it, as in an
 * Ethereum node's queue, instead of being refused; at most {@link #MAX_AHEAD} ahead per account.
 *
 * <p>Opening replays the chain from the file (checking every hash and every transaction), so a
 * file damaged or edited behind the ledger's back is refused with the entry that is wrong.
 */
public final class EmbeddedLedger implements Ledger, HashChain {
    public static final int MAX_BATCH = 4096;
    public static final long PARK_MILLIS = 10_000;
    public static final int MAX_AHEAD = 256;
    private static final int QUEUE = 65_536;

    private final LedgerRules rules;
    private final Path file;
    private final SqliteStore store;
    private final LongSupplier clock;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private volatile boolean closed;
    private LedgerState state;
    private long seq;
    private long time;
    private Id head;

    private record Pending(SignedTransaction tx, byte[] wire, CompletableFuture<Receipt> done) {
    }

    private record Parked(Pending pending, long since) {
    }

    /** Transactions ahead of their signer's nonce, by signer and nonce; only the writer thread touches it. */
    private final Map<PeerId, java.util.TreeMap<Long, Parked>> parked = new HashMap<>();

    private static final Pending STOP = new Pending(null, null, null);

    private EmbeddedLedger(LedgerRules rules, Path file, SqliteStore store, LongSupplier clock, FileChannel lockChannel,
                           FileLock lock) throws LedgerException {
        this.rules = rules;
        this.file = file;
        this.store = store;
        this.clock = clock;
        this.lockChannel = lockChannel;
        this.lock = lock;
        reload();
        this.writer = Thread.ofPlatform().name("ledger-writer").daemon().start(this::writeLoop);
    }

    /**
     * Opens the ledger in {@code file} (created for {@code rules} when new), replaying its chain.
     * {@code clock} gives milliseconds; the ledger never lets time run backwards.
     */
    public static EmbeddedLedger open(Path file, LedgerRules rules, LongSupplier clock) throws LedgerException {
        FileChannel channel = null;
        FileLock lock;
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        try {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new LedgerException(Reason.UNAVAILABLE, file + " is already hosted by another process (" + lockFile
                    + " is locked): stop it, or reach that node's ledger over the network");
        }
        SqliteStore store = null;
        try {
            store = SqliteStore.open(file, rules);
            return new EmbeddedLedger(rules, file, store, clock, channel, lock);
        } catch (LedgerException | RuntimeException e) {
            if (store != null) {
                store.close();
            }
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // Nothing to undo.
        }
    }

    /** Rebuilds the state from the file: at open, and after a commit failed half-way through a batch. */
    private void reload() throws LedgerException {
        Replay replay = new Replay(rules);
        try {
            long from = 1;
            while (true) {
                List<ChainEntry> page = store.entries(from, 10_000);
                for (ChainEntry e : page) {
                    replay.add(e);
                }
                if (page.size() < 10_000) {
                    break;
                }
                from = page.getLast().seq() + 1;
            }
        } catch (SQLException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        } catch (Replay.ChainBroken e) {
            throw new LedgerException(Reason.MALFORMED, file + " is damaged or was changed: " + e.getMessage(), e);
        }
        state = replay.state();
        seq = replay.seq();
        head = replay.head();
        time = replay.time();
    }

    @Override
    public LedgerRules rules() {
        return rules;
    }

    @Override
    public CompletableFuture<Receipt> submit(SignedTransaction tx) {
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new LedgerException(Reason.UNAVAILABLE, "the ledger is closed"));
            return done;
        }
        // Checked here, on the submitter's thread, so signatures are verified in parallel and the writer only applies.
        if (!tx.chain().equals(rules.chain())) {
            done.completeExceptionally(new LedgerException(Reason.WRONG_CHAIN, "the transaction is for chain \"" + tx.chain()
                    + "\", this ledger is \"" + rules.chain() + "\""));
            return done;
        }
        if (!tx.signatureValid()) {
            done.completeExceptionally(new LedgerException(Reason.BAD_SIGNATURE, "the signature is not " + tx.signer() + "'s"));
            return done;
        }
        if (!queue.offer(new Pending(tx, tx.encode(), done))) {
            done.completeExceptionally(new LedgerException(Reason.UNAVAILABLE, "the ledger has " + QUEUE
                    + " transactions waiting: try again shortly"));
        }
        return done;
    }

    /** Decodes and submits a transaction's wire form (what the network service receives). */
    public CompletableFuture<Receipt> submit(byte[] wire) {
        try {
            return submit(TransactionCodec.decode(wire));
        } catch (LedgerException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                Pending first = parked.isEmpty() ? queue.take() : queue.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                }
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(STOP);
            if (!batch.isEmpty()) {
                commit(batch);
            }
            expireParked(stop);
            if (stop) {
                return;
            }
        }
    }

    private void commit(List<Pending> batch) {
        List<Pending> accepted = new ArrayList<>(batch.size());
        List<Receipt> receipts = new ArrayList<>(batch.size());
        guard.writeLock().lock();
        try {
            long now = Math.max(time, clock.getAsLong());
            List<ChainEntry> entries = new ArrayList<>(batch.size());
            List<Id> ids = new ArrayList<>(batch.size());
            Map<Long, Set<PeerId>> parties = new HashMap<>();
            long s = seq;
            Id h = head;
            java.util.ArrayDeque<Pending> work = new java.util.ArrayDeque<>(batch);
            while (!work.isEmpty()) {
                Pending p = work.poll();
                try {
                    long expectedNonce = state.nonce(p.tx().signer());
                    if (p.tx().nonce() > expectedNonce && park(p, expectedNonce)) {
                        continue;
                    }
                    Set<PeerId> involved = state.parties(p.tx());
                    state.apply(p.tx(), now, true);
                    // Its successor may be waiting: it goes next, in this batch.
                    java.util.TreeMap<Long, Parked> waiting = parked.get(p.tx().signer());
                    if (waiting != null) {
                        Parked next = waiting.remove(p.tx().nonce() + 1);
                        if (waiting.isEmpty()) {
                            parked.remove(p.tx().signer());
                        }
                        if (next != null) {
                            work.addFirst(next.pending());
                        }
                    }
                    ChainEntry e = ChainEntry.next(++s, now, h, p.wire());
                    h = e.hash();
                    Id id = p.tx().id();
                    entries.add(e);
                    ids.add(id);
                    parties.put(e.seq(), involved);
                    accepted.add(p);
                    receipts.add(new Receipt(e.seq(), id, e.hash(), now));
                } catch (LedgerException refused) {
                    p.done().completeExceptionally(refused);
                } catch (RuntimeException bug) {
                    p.done().completeExceptionally(new LedgerException(Reason.MALFORMED, "refused: " + bug, bug));
                }
            }
            if (entries.isEmpty()) {
                return;
            }
            try {
                store.append(entries, ids, parties);
                seq = s;
                head = h;
                time = now;
            } catch (SQLException e) {
                // The state holds changes the file does not: rebuild it from the file, and tell every submitter of the batch.
                LedgerException failed = new LedgerException(Reason.UNAVAILABLE, "the ledger could not write " + file + ": "
                        + e.getMessage() + "; nothing of this transaction was kept", e);
                for (Pending p : accepted) {
                    p.done().completeExceptionally(failed);
                }
                accepted.clear();
                try {
                    reload();
                } catch (LedgerException again) {
                    closed = true;
                }
            }
        } finally {
            guard.writeLock().unlock();
        }
        for (int i = 0; i < accepted.size(); i++) {
            accepted.get(i).done().complete(receipts.get(i));
        }
    }

    /** Holds a transaction that is ahead of its signer's nonce; false when it is too far ahead, or its nonce already waits. */
    private boolean park(Pending p, long expectedNonce) {
        if (p.tx().nonce() - expectedNonce > MAX_AHEAD) {
            return false;
        }
        java.util.TreeMap<Long, Parked> mine = parked.computeIfAbsent(p.tx().signer(), k -> new java.util.TreeMap<>());
        if (mine.containsKey(p.tx().nonce())) {
            return false;
        }
        mine.put(p.tx().nonce(), new Parked(p, System.nanoTime()));
        return true;
    }

    /** Refuses parked transactions whose predecessors did not come in time (all of them when the ledger closes). */
    private void expireParked(boolean all) {
        long now = System.nanoTime();
        for (var it = parked.entrySet().iterator(); it.hasNext(); ) {
            var mine = it.next().getValue();
            for (var jt = mine.values().iterator(); jt.hasNext(); ) {
                Parked x = jt.next();
                if (all || now - x.since() > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(PARK_MILLIS)) {
                    jt.remove();
                    long expected = account(x.pending().tx().signer()).nonce();
                    x.pending().done().completeExceptionally(new LedgerException(Reason.BAD_NONCE, "nonce "
                            + x.pending().tx().nonce() + " for " + x.pending().tx().signer() + " waited "
                            + (all ? "until the ledger closed" : PARK_MILLIS / 1000 + " s") + " for nonce " + expected
                            + ", which never came"));
                }
            }
            if (mine.isEmpty()) {
                it.remove();
            }
        }
    }

    @Override
    public AccountView account(PeerId id) {
        guard.readLock().lock();
        try {
            return state.view(id);
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public Optional<ChannelView> channel(Id id) {
        guard.readLock().lock();
        try {
            return state.channel(id);
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public Optional<EscrowView> escrow(Id id) {
        guard.readLock().lock();
        try {
            return state.escrow(id);
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public Optional<Receipt> receipt(Id transaction) throws LedgerException {
        // The store's one connection is not for two threads at once: readers of the file take the write lock.
        guard.writeLock().lock();
        try {
            return store.entryOf(transaction).map(e -> new Receipt(e.seq(), transaction, e.hash(), e.time()));
        } catch (SQLException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            guard.writeLock().unlock();
        }
    }

    @Override
    public List<HistoryEntry> history(PeerId account, int max) throws LedgerException {
        List<ChainEntry> entries;
        guard.writeLock().lock();
        try {
            entries = store.entriesOf(account, Math.max(0, Math.min(max, 10_000)));
        } catch (SQLException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            guard.writeLock().unlock();
        }
        List<HistoryEntry> out = new ArrayList<>(entries.size());
        for (ChainEntry e : entries) {
            out.add(new HistoryEntry(e.seq(), e.time(), TransactionCodec.decode(e.transaction())));
        }
        return out;
    }

    @Override
    public List<ChainEntry> entries(long from, int max) throws LedgerException {
        guard.writeLock().lock();
        try {
            return store.entries(from, Math.max(0, Math.min(max, 10_000)));
        } catch (SQLException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            guard.writeLock().unlock();
        }
    }

    @Override
    public Head head() {
        guard.readLock().lock();
        try {
            return new Head(seq, head, state.digest());
        } finally {
            guard.readLock().unlock();
        }
    }

    /** Supply and holdings, for the invariant checks of tests and {@code ledger verify}. */
    public long[] supplyAndHoldings() {
        guard.readLock().lock();
        try {
            return new long[] {state.supply(), state.holdings()};
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Anything submitted after STOP was taken is refused, not lost silently.
        for (Pending p : queue) {
            if (p != STOP) {
                p.done().completeExceptionally(new LedgerException(Reason.UNAVAILABLE, "the ledger closed"));
            }
        }
        store.close();
        try {
            lock.release();
        } catch (IOException e) {
            // Released with the channel below anyway.
        }
        closeQuietly(lockChannel);
    }
}
