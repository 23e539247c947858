package dev.mycel.node.daemon;

import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.Contact;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running node: the wiring of config, identity, the DHT and the admin API. It holds the data
 * folder's lock for its whole life, joins the network in the background (bootstrap peers may
 * come up later than this node), tells the admin API's clients where to find it through
 * {@code node.json}, and logs what happens. All protocol behaviour is mycel-net's.
 */
public final class NodeDaemon implements AutoCloseable {
    /** How often the counters of refused records and rate-limited calls are checked for the log. */
    private static final Duration STATS_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final Duration MAX_BOOTSTRAP_DELAY = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final Logger log;
    private final Instant startedAt = Instant.now();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private DataDir.Lock lock;
    private NodeIdentity identity;
    private DhtNode dht;
    private AdminServer admin;
    private InferenceRole inference;
    private LedgerRole ledger;
    private NodeInfo info;
    private Thread bootstrapper;
    private ScheduledExecutorService watcher;
    private boolean tokenWritten;
    private volatile boolean joined;

    private NodeDaemon(NodeConfig config, Logger log) {
        this.config = config;
        this.log = log;
    }

    /** Starts a node; on any failure, what was already started is stopped again. */
    public static NodeDaemon start(NodeConfig config, Logger log) throws IOException {
        NodeDaemon d = new NodeDaemon(config, log);
        try {
            d.startUp();
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void startUp() throws IOException {
        Path data = config.dataDir();
        DataDir.create(data);
        lock = DataDir.lock(data);
        identity = NodeIdentity.loadOrCreate(data);
        log.info("starting node " + identity.peerId() + " with data in " + data);
        inference = InferenceRole.prepare(config.inference(), identity, config.listen().host(), log);
        try {
            ledger = LedgerRole.prepare(config.ledger(), identity, data, log);
            List<io.grpc.BindableService> services = new ArrayList<>(inference.services());
            services.addAll(ledger.services());
            dht = DhtNode.start(config.dhtConfig(), identity, data, services);
        } catch (IOException e) {
            throw new NodeException("cannot listen for peers on " + config.listen() + ": " + rootMessage(e)
                    + " (choose another address with --listen or network.listen)", e);
        }
        dht.onEvent(log::info);
        String token = newToken();
        // The token is written before the API starts, and node.json after, so a client that
        // finds node.json always finds a token that works.
        DataDir.writeAtomically(data.resolve(DataDir.TOKEN_FILE), token + "\n", true);
        tokenWritten = true;
        int maxBody = Math.max(1 << 20, 2 * config.records().maxValueBytes() + 4096);
        admin = AdminServer.start(config.adminListen(), config.adminAllowRemote(), token, new AdminApi(this).routes(),
                maxBody, log);
        // The HTTP API comes up before node.json is written: node.json means the node is ready.
        inference.startHttp(identity, dht);
        info = new NodeInfo(ProcessHandle.current().pid(), identity.peerId().toString(), dht.self().address(),
                adminAddress(), data.toString(), startedAt.toString());
        info.write(data);
        String bound = new HostPort(config.listen().host(), dht.port()).toString();
        String dial = dht.self().address();
        log.info("listening for peers on " + bound + (bound.equals(dial) ? "" : " (peers dial " + dial + ")")
                + "; admin API on http://" + adminAddress());
        if (config.listen().isWildcard() && config.advertiseHost() == null) {
            log.info("listening on every interface, but provider records name " + dial + ", which only this machine can"
                    + " reach; set network.advertise_host (or --advertise-host) to the address peers should dial");
        }
        bootstrapper = Thread.ofVirtual().name("bootstrap").start(() -> {
            bootstrap();
            if (joined && !closing.get()) {
                inference.joined(dht);
            }
        });
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-stats");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(new StatsLogger(), STATS_LOG_INTERVAL.toMillis(), STATS_LOG_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The admin API's address as a client on this machine dials it (loopback for a wildcard bind). */
    private String adminAddress() {
        InetSocketAddress a = admin.address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return new HostPort(host, a.getPort()).toString();
    }

    private static String newToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getMessage() != null ? r.getMessage() : r.toString();
    }

    /**
     * Joins through the configured bootstrap peers and, after a restart, the peers the saved
     * routing table remembers; tries again with growing pauses until some peer answers.
     */
    private void bootstrap() {
        Set<BootstrapAddress> via = new LinkedHashSet<>(config.bootstrap());
        List<Contact> saved = dht.peers();
        for (Contact c : saved) {
            via.add(new BootstrapAddress(c.peer(), c.host(), c.port()));
        }
        if (via.isEmpty()) {
            log.info("no bootstrap peers configured: this node starts a network; others join it with --bootstrap "
                    + dht.self().address());
            joined = true;
            return;
        }
        String names = config.bootstrap().isEmpty() ? saved.size() + " peers from the saved routing table"
                : config.bootstrap().toString() + (saved.isEmpty() ? "" : " and " + saved.size() + " saved peers");
        log.info("joining the network through " + names);
        Duration delay = Duration.ofSeconds(1);
        try {
            while (!closing.get()) {
                int answered = dht.bootstrap(new ArrayList<>(via));
                int peers = dht.peers().size();
                if (peers > 0) {
                    joined = true;
                    log.info("joined the network: " + answered + " of " + via.size() + " bootstrap peers answered; "
                            + "the routing table holds " + peers + (peers == 1 ? " peer" : " peers"));
                    return;
                }
                log.info("no bootstrap peer answered yet; trying again in " + Durations.human(delay));
                // Cut the pause short when a peer reaches us first (the DHT's own retry, or a peer
                // dialling in): the bootstrap call then runs at once and fills the table from it.
                long until = System.nanoTime() + delay.toNanos();
                while (System.nanoTime() < until && dht.peers().isEmpty() && !closing.get()) {
                    Thread.sleep(100);
                }
                delay = delay.multipliedBy(2).compareTo(MAX_BOOTSTRAP_DELAY) > 0 ? MAX_BOOTSTRAP_DELAY : delay.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closing.get()) {
                log.log(Level.WARNING, "bootstrap failed: " + e, e);
            }
        }
    }

    /** Logs records refused and calls rate-limited since the last check, when there were any. */
    private final class StatsLogger implements Runnable {
        private long refused;
        private long limited;

        @Override
        public void run() {
            try {
                DhtNode.Stats s = dht.stats();
                if (s.refusedRecords() > refused) {
                    log.info("refused " + (s.refusedRecords() - refused) + " records from peers (forged, expired or too"
                            + " large; " + s.refusedRecords() + " in all; log_level = \"debug\" shows each)");
                }
                if (s.rateLimitedCalls() > limited) {
                    log.info("turned away " + (s.rateLimitedCalls() - limited) + " calls from peers over their rate limit ("
                            + s.rateLimitedCalls() + " in all)");
                }
                refused = s.refusedRecords();
                limited = s.rateLimitedCalls();
            } catch (RuntimeException e) {
                log.log(Level.FINE, "stats check failed", e);
            }
        }
    }

    public NodeConfig config() {
        return config;
    }

    public DhtNode dht() {
        return dht;
    }

    public NodeInfo info() {
        return info;
    }

    /** The block server this node runs; null when it serves no blocks. */
    public dev.mycel.inference.server.BlockService served() {
        return inference == null ? null : inference.served();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** True once some bootstrap peer answered (or when this node had none to join through). */
    public boolean joined() {
        return joined;
    }

    /** Blocks until the node has stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops the admin API, then the DHT (which saves the routing table), removes node.json and
     * the token, and releases the data folder. Safe to call more than once and from a shutdown hook.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                stopped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            if (dht != null) {
                log.info("stopping node " + identity.peerId());
            }
            if (bootstrapper != null) {
                bootstrapper.interrupt();
            }
            if (watcher != null) {
                watcher.shutdownNow();
            }
            if (admin != null) {
                admin.close();
            }
            if (inference != null) {
                inference.close();
            }
            if (dht != null) {
                dht.close();
            }
            if (ledger != null) {
                ledger.close();
            }
            try {
                if (info != null) {
                    Files.deleteIfExists(config.dataDir().resolve(DataDir.NODE_FILE));
                }
                if (tokenWritten) {
                    Files.deleteIfExists(config.dataDir().resolve(DataDir.TOKEN_FILE));
                }
            } catch (IOException e) {
                log.warning("could not remove node.json or admin.token: " + e.getMessage());
            }
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException e) {
                    log.warning("could not release the data folder's lock: " + e.getMessage());
                }
            }
            if (dht != null) {
                log.info("node stopped");
            }
        } finally {
            stopped.countDown();
        }
    }
}
