package dev.mycel.net.dht;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Keeps a node's {@code records.bin} at most one check interval (a second in {@link DhtNode})
 * behind its {@link RecordStore}, so that a node killed without warning (SIGKILL, power loss,
 * the OOM killer) comes back with the records it held for others instead of the ones it had five
 * minutes earlier.
 *
 * <p>Why rewriting the whole file after a change rather than an append-only log: the file is
 * bounded by the record limits and small in practice (a record is a few hundred bytes), records
 * arrive at the rate publishers republish, not per request, and {@link RecordFile#save} already
 * writes a temporary file, forces it to disk and renames it over the old one, so whatever moment
 * the process dies the file is either the old or the new whole set, never a torn tail to repair.
 * A log would need compaction, a torn-record rule and a second file format for little gain; the
 * check itself (one counter read under the store's lock) costs nothing while nothing changes.
 * What a kill can still lose is at most the last interval's arrivals, which their publishers
 * store again within a republish interval anyway.
 */
final class RecordSaver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RecordSaver.class.getName());

    private final RecordStore store;
    private final Path file;
    private final ScheduledExecutorService timer;
    private long savedChanges;

    /**
     * Starts checking every {@code interval} on a thread of its own ({@code threadName}), not the
     * DHT's timer, whose refreshes wait on the network for seconds. {@code store} was just loaded
     * from {@code file}, so what it holds now is what the file holds.
     */
    static RecordSaver start(RecordStore store, Path file, Duration interval, String threadName) {
        RecordSaver saver = new RecordSaver(store, file, threadName);
        long ms = interval.toMillis();
        saver.timer.scheduleWithFixedDelay(saver::saveQuietly, ms, ms, TimeUnit.MILLISECONDS);
        return saver;
    }

    private RecordSaver(RecordStore store, Path file, String threadName) {
        this.store = store;
        this.file = file;
        this.savedChanges = store.changes();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes the file if a record was taken since the last save; true when it wrote. */
    synchronized boolean saveIfChanged() throws IOException {
        // Read before the snapshot: a record taken during the save is saved again next time.
        long changes = store.changes();
        if (changes == savedChanges) {
            return false;
        }
        RecordFile.save(store, file);
        savedChanges = changes;
        return true;
    }

    private void saveQuietly() {
        try {
            saveIfChanged();
        } catch (IOException | RuntimeException e) {
            // The next check tries again; the records are still in memory and the old file intact.
            LOG.warning("could not save the stored records to " + file + ": " + e.getMessage());
        }
    }

    /**
     * Stops checking and writes the file once more whatever changed (a clean stop, which also drops
     * expired records from it).
     */
    @Override
    public void close() throws IOException {
        timer.shutdownNow();
        synchronized (this) {
            long changes = store.changes();
            RecordFile.save(store, file);
            savedChanges = changes;
        }
    }
}
