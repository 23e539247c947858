package dev.mycel.inference;

import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.SpanChooser;
import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.dht.DhtNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a block server's announcement fresh in the DHT: its span, measured speed and free cache,
 * signed, under the model's key, now and every {@code periodSeconds} while it runs. Each
 * announcement lives only {@link #TTL_PERIODS} periods, as Petals' do, so the record of a server
 * that died without a word stops being listed within minutes; a server that stops cleanly
 * replaces it at once with a withdrawal ({@link #withdraw}). It also
 * limits the server's pushes to the servers of the same model that the DHT announces (peer,
 * host and session port as announced), so that a client cannot point the server's connections
 * anywhere else; the list is refreshed every minute, and at most once a second when a step names
 * a server not on it (that step goes unpushed).
 */
public final class BlockServerNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlockServerNode.class.getName());
    private final DhtNode dht;
    private final BlockService service;
    private final ScheduledExecutorService timer;
    private volatile Set<String> pushTargets = Set.of();
    private final AtomicLong lastTargetRefresh = new AtomicLong(System.nanoTime() - REFRESH_ON_MISS_NANOS);
    private static final long REFRESH_ON_MISS_NANOS = 1_000_000_000L;
    /**
     * An announcement outlives two missed refreshes: a server is not dropped for one slow DHT
     * round, and a dead one is forgotten three periods after its last announcement.
     */
    static final int TTL_PERIODS = 3;
    /** How long a withdrawal is kept: long enough to outlive any announcement it replaces. */
    private final Duration ttl;
    private volatile boolean withdrawn;

    public BlockServerNode(DhtNode dht, BlockService service, long periodSeconds) {
        if (periodSeconds < 1) {
            throw new IllegalArgumentException("the announcement period must be at least a second, got " + periodSeconds);
        }
        this.dht = dht;
        this.service = service;
        this.ttl = Duration.ofSeconds(periodSeconds * TTL_PERIODS);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "announce");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::announceQuietly, periodSeconds, periodSeconds, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::refreshPushTargets, 0, 60, TimeUnit.SECONDS);
        service.allowPushes(this::announcedServer);
    }

    private static String targetKey(byte[] peer, String host, int port) {
        return HexFormat.of().formatHex(peer) + "@" + host + ":" + port;
    }

    private boolean announcedServer(Forward to) {
        if (pushTargets.contains(targetKey(to.getPeer().toByteArray(), to.getHost(), to.getPort()))) {
            return true;
        }
        long now = System.nanoTime();
        long last = lastTargetRefresh.get();
        if (now - last > REFRESH_ON_MISS_NANOS && lastTargetRefresh.compareAndSet(last, now)) {
            timer.execute(this::refreshPushTargets);
        }
        return false;
    }

    /**
     * Lists the model's announced servers again, now, on the caller's thread. The timer calls it
     * every minute and on a miss; tests call it to learn an announcement without waiting.
     */
    void refreshPushTargets() {
        try {
            Set<String> next = new HashSet<>();
            byte[] model = service.info().getModel().toByteArray();
            for (ServerEntry e : new DhtServerDirectory(dht).servers(model)) {
                if (e.info().getSessionPort() != 0 && !e.peer().equals(dht.id())) {
                    next.add(targetKey(e.peer().rawKey(), e.host(), e.info().getSessionPort()));
                }
            }
            pushTargets = next;
            lastTargetRefresh.set(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "could not list the model's servers: " + e.getMessage(), e);
        }
    }

    /**
     * Lets the server choose its own span: every {@code periodSeconds}, it looks at what the
     * other servers of the model announce and moves to the window of its size that most raises
     * the least-served block's throughput, when that is better than where it is and no session
     * is open (see {@link SpanChooser}).
     */
    public void rebalance(Path modelFile, int threads, long periodSeconds) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                rebalanceOnce(modelFile, threads);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "rebalancing failed: " + e.getMessage(), e);
            }
        }, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    /** One rebalancing decision; returns true when the server moved. */
    public boolean rebalanceOnce(Path modelFile, int threads) throws IOException, InterruptedException {
        ServerInfo me = service.info();
        byte[] model = me.getModel().toByteArray();
        List<ServerInfo> others = new ArrayList<>();
        for (ServerEntry e : new DhtServerDirectory(dht).servers(model)) {
            if (!e.peer().equals(dht.id())) {
                others.add(e.info());
            }
        }
        int n = me.getEnd() - me.getFirst();
        if (!SpanChooser.shouldMove(me.getLayers(), me.getFirst(), n, me.getBlocksPerSecond(), others)) {
            return false;
        }
        int start = SpanChooser.choose(me.getLayers(), n, me.getBlocksPerSecond(), others);
        if (service.activeSessions() > 0) {
            return false;
        }
        ServedBlocks next = ServedBlocks.load(modelFile, start, start + n, threads);
        ServedBlocks old = service.replaceBlocks(next);
        if (old == null) {
            next.close();
            return false;
        }
        old.close();
        LOG.info("moved to blocks " + start + ".." + (start + n - 1) + " (was " + me.getFirst() + ".." + (me.getEnd() - 1)
                + "), where the network needs them most");
        announce();
        return true;
    }

    /** Announces now; returns how many DHT nodes took the record. */
    public int announce() throws InterruptedException {
        if (withdrawn) {
            return 0;
        }
        var info = service.info();
        return dht.provide(ModelKeys.servers(info.getModel().toByteArray()), info.toByteArray(), ttl);
    }

    /**
     * Replaces this server's announcement with a signed withdrawal (a newer record of the same
     * provider, which every DHT node keeps instead of the old one) and stops announcing: clients
     * that look the model up from now on no longer see the server. Returns how many DHT nodes
     * took the withdrawal; a stop must not hang on the network, so failures are only logged.
     */
    public int withdraw() {
        withdrawn = true;
        timer.shutdownNow();
        ServerInfo info = service.info().toBuilder().setWithdrawn(true).build();
        DhtKey key = ModelKeys.servers(info.getModel().toByteArray());
        try {
            return dht.provide(key, info.toByteArray(), ttl);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "withdrawing the served blocks failed: " + e.getMessage(), e);
            return 0;
        } finally {
            dht.stopProviding(key);
        }
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
