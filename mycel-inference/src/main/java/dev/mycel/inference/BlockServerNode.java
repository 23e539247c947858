package dev.mycel.inference;

import dev.mycel.inference.server.BlockService;
import dev.mycel.net.dht.DhtNode;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a block server's announcement fresh in the DHT: its span, measured speed and free cache,
 * signed, under the model's key, now and every {@code periodSeconds} while it runs.
 */
public final class BlockServerNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlockServerNode.class.getName());
    private final DhtNode dht;
    private final BlockService service;
    private final ScheduledExecutorService timer;

    public BlockServerNode(DhtNode dht, BlockService service, long periodSeconds) {
        this.dht = dht;
        this.service = service;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "announce");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::announceQuietly, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    /** Announces now; returns how many DHT nodes took the record. */
    public int announce() throws InterruptedException {
        var info = service.info();
        return dht.provide(ModelKeys.servers(info.getModel().toByteArray()), info.toByteArray());
    }

    private void announceQuietly() {
        try {
            announce();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "announcing the served blocks failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        dht.stopProviding(ModelKeys.servers(service.info().getModel().toByteArray()));
    }
}
