package dev.mycel.net.dht;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.AddProviderRequest;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.FindNodeRequest;
import dev.mycel.net.proto.FindValueRequest;
import dev.mycel.net.proto.FindValueResponse;
import dev.mycel.net.proto.GetProvidersRequest;
import dev.mycel.net.proto.GetProvidersResponse;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.proto.PingResponse;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.StoreRequest;
import dev.mycel.net.proto.ValueRecord;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Kademlia node: listens for DHT calls from peers, keeps the routing table and the records it
 * holds for others, runs lookups, stores and announces records, refreshes its buckets and
 * republishes its own records while it lives. The routing table is saved in the state folder
 * so a restarted node rejoins by itself.
 */
public final class DhtNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DhtNode.class.getName());
    static final String ROUTING_FILE = "routing.json";
    static final String RECORDS_FILE = "records.bin";

    private final DhtConfig config;
    private final NodeIdentity identity;
    private final Path stateDir;
    private final RoutingTable routing;
    private final ContactAdmission admission;
    private final RecordStore store;
    private final PeerChannels channels;
    private final ExecutorService rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer;
    private final Map<String, ValueRecord> ownValues = new ConcurrentHashMap<>();
    private final Map<DhtKey, ProviderRecord> provided = new ConcurrentHashMap<>();
    private final Map<DhtKey, Duration> providedTtl = new ConcurrentHashMap<>();
    private final Map<PeerId, Boolean> pinging = new ConcurrentHashMap<>();
    private final AtomicLong refusedRecords = new AtomicLong();
    private final List<BootstrapAddress> bootstrap = new ArrayList<>();
    private final long startedNanos = System.nanoTime();
    private volatile Consumer<String> eventLog = LOG::info;
    private NetServer server;
    private RecordSaver recordSaver;
    private volatile boolean closed;

    private DhtNode(DhtConfig config, NodeIdentity identity, Path stateDir, TlsContexts tls) {
        this.config = config;
        this.identity = identity;
        this.stateDir = stateDir;
        this.routing = new RoutingTable(DhtKey.of(identity.peerId()), config.k(), config.contacts());
        this.admission = new ContactAdmission(config.contacts(), System::nanoTime, this::proveAt, this::seen, rpcExecutor);
        this.store = new RecordStore(config.records(), System::currentTimeMillis);
        this.channels = new PeerChannels(tls, config.net(), 4 * config.k() + 64);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dht-" + identity.peerId().shortString());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts listening. {@code stateDir} (may be null) keeps the routing table across restarts;
     * {@code extraServices} run on the same authenticated server (later layers add theirs).
     */
    public static DhtNode start(DhtConfig config, NodeIdentity identity, Path stateDir,
                                List<BindableService> extraServices) throws IOException {
        TlsContexts tls = new TlsContexts(identity);
        DhtNode node = new DhtNode(config, identity, stateDir, tls);
        List<BindableService> services = new ArrayList<>(extraServices);
        services.add(new DhtService(node));
        node.server = NetServer.start(identity, tls, new InetSocketAddress(config.bindHost(), config.port()),
                config.net(), services, null);
        node.channels.advertisePort(node.server.port());
        if (stateDir != null) {
            for (Contact c : RoutingTable.load(stateDir.resolve(ROUTING_FILE))) {
                node.routing.seen(c);
            }
            int records = RecordFile.load(node.store, stateDir.resolve(RECORDS_FILE));
            if (records > 0) {
                LOG.info(() -> "loaded " + records + " stored records");
            }
            // Within a second of a record arriving, so a killed node comes back with it (RecordSaver says why).
            node.recordSaver = RecordSaver.start(node.store, stateDir.resolve(RECORDS_FILE), Duration.ofSeconds(1),
                    "dht-records-" + identity.peerId().shortString());
        }
        node.schedule();
        return node;
    }

    public static DhtNode start(DhtConfig config, NodeIdentity identity, Path stateDir) throws IOException {
        return start(config, identity, stateDir, List.of());
    }

    /** Where human-readable events go (joins, refusals); the default is java.util.logging. */
    public void onEvent(Consumer<String> log) {
        this.eventLog = log;
    }

    private void schedule() {
        long refreshMs = Math.max(1000, config.refreshInterval().toMillis() / 4);
        timer.scheduleWithFixedDelay(guard(this::refresh), refreshMs, refreshMs, TimeUnit.MILLISECONDS);
        long republishMs = config.republishInterval().toMillis();
        timer.scheduleWithFixedDelay(guard(this::republish), republishMs, republishMs, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(guard(this::saveRoutingTable), 5, 30, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(guard(store::expire), 60, 60, TimeUnit.SECONDS);
    }

    private Runnable guard(ThrowingRunnable r) {
        return () -> {
            if (closed) {
                return;
            }
            try {
                r.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception | AssertionError e) {
                LOG.log(Level.WARNING, "DHT maintenance failed: " + e, e);
            }
        };
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    public PeerId id() {
        return identity.peerId();
    }

    public int port() {
        return server.port();
    }

    /** This node as others should dial it. */
    public Contact self() {
        return new Contact(identity.peerId(), config.advertisedHost(), server.port());
    }

    public DhtConfig config() {
        return config;
    }

    RoutingTable routingTable() {
        return routing;
    }

    RecordStore store() {
        return store;
    }

    /** A snapshot of the routing table. */
    public List<Contact> peers() {
        return routing.all();
    }

    /**
     * @param contacts how callers fared on their way into the routing table
     */
    public record Stats(int peers, int values, int providers, long refusedRecords, long rateLimitedCalls, long uptimeMs,
                        Admission contacts) {
    }

    /**
     * What contact admission did since the node started: callers proven by a ping back to their
     * address ({@code admitted}), those whose ping back failed or timed out ({@code failedChecks}),
     * callers not checked because {@link ContactLimits#maxPendingChecks()} checks were already
     * running ({@code dropped}), checks running now ({@code pending}), and how many times a proven
     * contact was kept out of the table by the address caps ({@code refusedByCaps}).
     */
    public record Admission(long admitted, long failedChecks, long dropped, int pending, long refusedByCaps) {
    }

    public Stats stats() {
        ContactAdmission.Counts a = admission.counts();
        return new Stats(routing.size(), store.valueCount(), store.providerCount(), refusedRecords.get(),
                server.rateLimited(), (System.nanoTime() - startedNanos) / 1_000_000,
                new Admission(a.proven(), a.refused(), a.dropped(), a.pending(), routing.refusedByCaps()));
    }

    // ---- joining ----

    /**
     * Joins through the given addresses: pings each (learning, or checking, its peer id), then
     * looks up its own key and refreshes every bucket, which fills the routing table. Returns
     * how many bootstrap peers answered; the addresses are kept and retried while the table is empty.
     */
    public int bootstrap(List<BootstrapAddress> addresses) throws InterruptedException {
        synchronized (bootstrap) {
            bootstrap.clear();
            bootstrap.addAll(addresses);
        }
        return joinVia(addresses, true);
    }

    /**
     * Joins as {@link #bootstrap} does but looks up only its own key: enough to find any key
     * (lookups go through the nodes closest to it), without the bucket refreshes, which cost a
     * lookup each. For a short-lived client, such as a command that generates through the
     * network; a node that stays fills its buckets with its periodic refresh.
     */
    public int bootstrapForLookups(List<BootstrapAddress> addresses) throws InterruptedException {
        synchronized (bootstrap) {
            bootstrap.clear();
            bootstrap.addAll(addresses);
        }
        return joinVia(addresses, false);
    }

    private int joinVia(List<BootstrapAddress> addresses) throws InterruptedException {
        return joinVia(addresses, true);
    }

    private int joinVia(List<BootstrapAddress> addresses, boolean refreshBuckets) throws InterruptedException {
        List<Future<Contact>> pings = new ArrayList<>();
        for (BootstrapAddress a : addresses) {
            pings.add(rpcExecutor.submit(() -> pingAddress(a)));
        }
        int reached = 0;
        for (Future<Contact> f : pings) {
            try {
                Contact c = f.get();
                if (c != null && !c.peer().equals(id())) {
                    routing.seen(c);
                    reached++;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.fine(() -> "bootstrap peer did not answer: " + e.getCause());
            }
        }
        if (routing.size() > 0) {
            lookup(routing.self(), Lookup.Mode.NODES);
            for (int bucket : refreshBuckets ? routing.bucketsToRefresh(0) : List.<Integer>of()) {
                lookup(DhtKey.randomInBucket(routing.self(), bucket, ThreadLocalRandom.current()), Lookup.Mode.NODES);
            }
            if (refreshBuckets && routing.size() < config.k()) {
                // A small network: once more for our own key, since peers admit callers only after
                // checking them, in the background, and peers that joined beside us may be in their
                // tables only now. In a larger one the bucket refreshes find them soon enough.
                lookup(routing.self(), Lookup.Mode.NODES);
            }
            try {
                saveRoutingTable();
            } catch (IOException e) {
                LOG.warning("could not save the routing table: " + e.getMessage());
            }
        }
        return reached;
    }

    /** Pings an address; with an unknown peer id, learns it, then checks it over a channel that insists on it. */
    private Contact pingAddress(BootstrapAddress a) {
        PeerId peer = a.peer();
        if (peer == null) {
            PingResponse r = DhtGrpc.newBlockingStub(channels.channel(null, a.host(), a.port()))
                    .withDeadlineAfter(config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .ping(PingRequest.getDefaultInstance());
            peer = PeerId.ofRawKey(r.getPeerKey().toByteArray());
        }
        DhtGrpc.newBlockingStub(channels.channel(peer, a.host(), a.port()))
                .withDeadlineAfter(config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .ping(PingRequest.getDefaultInstance());
        return new Contact(peer, a.host(), a.port());
    }

    // ---- values ----

    /**
     * Publishes a value under this node's key and the name, signed, with a sequence number above
     * any this node used for the name, on the k nodes closest to its key. Returns how many took it.
     */
    public int put(String name, byte[] value, Duration ttl) throws InterruptedException {
        ValueRecord previous = ownValues.get(name);
        long seq = Math.max(previous == null ? 0 : previous.getSequence() + 1, System.currentTimeMillis());
        ValueRecord r = Records.signValue(identity, name, value, seq, System.currentTimeMillis() + ttl.toMillis());
        try {
            Records.check(r, System.currentTimeMillis(), config.records());
        } catch (RecordRefusedException e) {
            throw new IllegalArgumentException("cannot publish: " + e.getMessage());
        }
        ownValues.put(name, r);
        return storeValue(r);
    }

    private int storeValue(ValueRecord r) throws InterruptedException {
        DhtKey key = Records.valueKey(Records.publisherOf(r), r.getName());
        int stored = 0;
        try {
            if (store.putValue(r) || store.value(key).isPresent()) {
                stored++;
            }
        } catch (RecordRefusedException e) {
            LOG.fine(() -> "own store refused: " + e.getMessage());
        }
        Lookup.Result where = lookup(key, Lookup.Mode.NODES);
        stored += sendToAll(where.closest(), c -> DhtGrpc.newBlockingStub(channel(c)).withDeadlineAfter(
                config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS).store(StoreRequest.newBuilder().setRecord(r).build()));
        return stored;
    }

    /** The newest value the publisher stored under the name, found on the network. */
    public Optional<ValueRecord> get(PeerId publisher, String name) throws InterruptedException {
        return get(Records.valueKey(publisher, name));
    }

    public Optional<ValueRecord> get(DhtKey key) throws InterruptedException {
        Lookup.Result r = lookup(key, Lookup.Mode.VALUE);
        ValueRecord best = r.value();
        Optional<ValueRecord> local = store.value(key);
        if (local.isPresent() && (best == null || local.get().getSequence() > best.getSequence())) {
            best = local.get();
        }
        if (best != null) {
            // Read repair: the closest peers that answered without the newest copy get it now.
            ValueRecord newest = best;
            List<Contact> missing = r.closest().stream().filter(c -> !r.holdersOfValue().contains(c)).toList();
            if (!missing.isEmpty()) {
                rpcExecutor.submit(() -> sendToAll(missing, c -> DhtGrpc.newBlockingStub(channel(c)).withDeadlineAfter(
                        config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .store(StoreRequest.newBuilder().setRecord(newest).build())));
            }
        }
        return Optional.ofNullable(best);
    }

    // ---- providers ----

    /**
     * Announces that this node provides the key, with a small payload (what and how fast), on the
     * k nodes closest to the key, and keeps announcing it while the node runs. Calling it again
     * replaces the payload. Returns how many nodes took the record.
     */
    public int provide(DhtKey key, byte[] payload) throws InterruptedException {
        return provide(key, payload, config.providerTtl());
    }

    /**
     * As {@link #provide(DhtKey, byte[])}, with records that live {@code ttl} instead of the
     * configured provider TTL: for announcements that must stop being believed soon after their
     * announcer is gone (the caller then announces again well within {@code ttl}).
     */
    public int provide(DhtKey key, byte[] payload, Duration ttl) throws InterruptedException {
        ProviderRecord old = provided.get(key);
        long seq = Math.max(old == null ? 0 : old.getSequence() + 1, System.currentTimeMillis());
        ProviderRecord r = Records.signProvider(identity, key, config.advertisedHost(), server.port(), payload, seq,
                System.currentTimeMillis() + ttl.toMillis());
        try {
            Records.check(r, System.currentTimeMillis(), config.records());
        } catch (RecordRefusedException e) {
            throw new IllegalArgumentException("cannot announce: " + e.getMessage());
        }
        provided.put(key, r);
        providedTtl.put(key, ttl);
        return announce(r);
    }

    /** Stops announcing the key; records already stored expire by themselves. */
    public void stopProviding(DhtKey key) {
        provided.remove(key);
        providedTtl.remove(key);
    }

    private int announce(ProviderRecord r) throws InterruptedException {
        DhtKey key = DhtKey.of(r.getKey().toByteArray());
        int stored = 0;
        try {
            store.addProvider(r);
            stored++;
        } catch (RecordRefusedException e) {
            LOG.fine(() -> "own store refused: " + e.getMessage());
        }
        Lookup.Result where = lookup(key, Lookup.Mode.NODES);
        stored += sendToAll(where.closest(), c -> DhtGrpc.newBlockingStub(channel(c)).withDeadlineAfter(
                config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .addProvider(AddProviderRequest.newBuilder().setRecord(r).build()));
        return stored;
    }

    /** Every provider of the key that the network knows, each provider's newest record. */
    public List<ProviderRecord> providers(DhtKey key) throws InterruptedException {
        Lookup.Result r = lookup(key, Lookup.Mode.PROVIDERS);
        Map<PeerId, ProviderRecord> all = new java.util.LinkedHashMap<>();
        for (ProviderRecord p : store.providers(key)) {
            all.put(Records.providerOf(p), p);
        }
        for (ProviderRecord p : r.providers()) {
            ProviderRecord old = all.get(Records.providerOf(p));
            if (old == null || p.getSequence() > old.getSequence()) {
                all.put(Records.providerOf(p), p);
            }
        }
        return new ArrayList<>(all.values());
    }

    /** The k closest peers to a key that answered a lookup. */
    public List<Contact> findClosest(DhtKey key) throws InterruptedException {
        return lookup(key, Lookup.Mode.NODES).closest();
    }

    // ---- lookups and calls ----

    private Lookup.Result lookup(DhtKey target, Lookup.Mode mode) throws InterruptedException {
        // A safety net only: every call has its own deadline, and slow peers stop holding the lookup up.
        long timeout = 3 * config.net().rpcTimeout().toMillis() + 2000;
        return new Lookup(this, target, mode, this::ask).run(rpcExecutor, timeout);
    }

    private io.grpc.Channel channel(Contact c) {
        return channels.channel(c.peer(), c.host(), c.port());
    }

    private Lookup.Answer ask(Contact peer, DhtKey target, Lookup.Mode mode) {
        var stub = DhtGrpc.newBlockingStub(channel(peer))
                .withDeadlineAfter(config.net().rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ByteString key = ByteString.copyFrom(target.bytes());
        int k = config.k();
        long now = System.currentTimeMillis();
        return switch (mode) {
            case NODES -> new Lookup.Answer(ContactCodec.fromProto(
                    stub.findNode(FindNodeRequest.newBuilder().setTarget(key).build()).getCloserList(), k), null, List.of());
            case VALUE -> {
                FindValueResponse r = stub.findValue(FindValueRequest.newBuilder().setKey(key).build());
                ValueRecord v = null;
                if (r.hasRecord()) {
                    try {
                        if (Records.check(r.getRecord(), now, config.records()).equals(target)) {
                            v = r.getRecord();
                        }
                    } catch (RecordRefusedException e) {
                        refused(e);
                    }
                }
                yield new Lookup.Answer(ContactCodec.fromProto(r.getCloserList(), k), v, List.of());
            }
            case PROVIDERS -> {
                GetProvidersResponse r = stub.getProviders(GetProvidersRequest.newBuilder().setKey(key).build());
                List<ProviderRecord> ok = new ArrayList<>();
                for (ProviderRecord p : r.getProvidersList()) {
                    if (ok.size() >= config.records().maxProvidersPerKey()) {
                        break;
                    }
                    try {
                        if (Records.check(p, now, config.records()).equals(target)) {
                            ok.add(p);
                        }
                    } catch (RecordRefusedException e) {
                        refused(e);
                    }
                }
                yield new Lookup.Answer(ContactCodec.fromProto(r.getCloserList(), k), null, ok);
            }
        };
    }

    private interface Call {
        void on(Contact c) throws Exception;
    }

    /** Runs the call on every contact at once; returns how many succeeded. */
    private int sendToAll(List<Contact> contacts, Call call) throws InterruptedException {
        List<Future<Boolean>> fs = new ArrayList<>();
        for (Contact c : contacts) {
            fs.add(rpcExecutor.submit(() -> {
                try {
                    call.on(c);
                    answered(c);
                    return true;
                } catch (StatusRuntimeException e) {
                    failed(c, e);
                    return false;
                }
            }));
        }
        int ok = 0;
        for (Future<Boolean> f : fs) {
            try {
                if (f.get()) {
                    ok++;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.fine(() -> "store failed: " + e.getCause());
            }
        }
        return ok;
    }

    // ---- routing table upkeep ----

    /**
     * A peer called us: it is alive, and it claims where it listens. A contact already in the
     * table (or its replacements) at that address is refreshed; any other is only a candidate
     * until a call back to the address proves the same peer answers there ({@link ContactAdmission}).
     */
    void heardFrom(Caller caller) {
        if (caller.listenPort() > 0 && !caller.host().isEmpty()) {
            Contact c = new Contact(caller.peer(), caller.host(), caller.listenPort());
            if (routing.holds(c)) {
                seen(c);
            } else if (!closed) {
                admission.offer(c);
            }
        }
    }

    /** The call back that admits a caller: a ping over a channel that insists on its id, with a short deadline. */
    private void proveAt(Contact c) {
        try {
            DhtGrpc.newBlockingStub(channel(c)).withDeadlineAfter(config.contacts().checkTimeout().toMillis(),
                    TimeUnit.MILLISECONDS).ping(PingRequest.getDefaultInstance());
        } catch (RuntimeException e) {
            if (!routing.contains(c.peer()) || !c.equals(routing.get(c.peer()))) {
                channels.forget(c.peer(), c.host(), c.port());
            }
            throw e;
        }
    }

    /** How the contact checks went so far. */
    ContactAdmission.Counts admissionCounts() {
        return admission.counts();
    }

    void answered(Contact c) {
        seen(c);
    }

    private void seen(Contact c) {
        boolean isNew = !routing.contains(c.peer());
        Contact oldest = routing.seen(c);
        if (isNew && routing.contains(c.peer())) {
            eventLog.accept("peer joined routing table: " + c);
        }
        if (oldest != null && pinging.putIfAbsent(oldest.peer(), Boolean.TRUE) == null && !closed) {
            // Full bucket: keep the oldest contact if it still answers, else let the newcomer in.
            rpcExecutor.submit(() -> {
                try {
                    DhtGrpc.newBlockingStub(channel(oldest)).withDeadlineAfter(config.net().rpcTimeout().toMillis(),
                            TimeUnit.MILLISECONDS).ping(PingRequest.getDefaultInstance());
                    routing.seen(oldest);
                } catch (StatusRuntimeException e) {
                    failed(oldest, e);
                    routing.seen(c);
                } finally {
                    pinging.remove(oldest.peer());
                }
            });
        }
    }

    void failed(Contact c, Throwable cause) {
        Status.Code code = cause instanceof StatusRuntimeException s ? s.getStatus().getCode() : Status.Code.UNKNOWN;
        if (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.INVALID_ARGUMENT) {
            return; // alive, only busy or unwilling
        }
        if (routing.contains(c.peer())) {
            eventLog.accept("peer dropped from routing table (" + code + "): " + c);
        }
        routing.remove(c.peer());
        admission.forget(c);
        channels.forget(c.peer(), c.host(), c.port());
    }

    /** Thrown (inside a future) when a record cannot be checked now because too many checks are pending. */
    static final class BusyException extends Exception {
        BusyException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Takes a provider record from a caller once its address is bound to the provider (see
     * {@link ProviderBinding}): the future completes when it is stored, or fails with a
     * {@link RecordRefusedException} saying why not, or a {@link BusyException}. Never blocks the call.
     */
    CompletableFuture<Void> takeProvider(ProviderRecord r, Caller caller) {
        Contact at;
        try {
            Records.check(r, System.currentTimeMillis(), config.records());
            String refusal = ProviderBinding.refusal(Records.providerOf(r), caller.peer());
            if (refusal == null && ProviderBinding.matchHost(r.getHost(), caller.host()) == ProviderBinding.HostMatch.OTHER) {
                refusal = "provider host " + r.getHost() + " is not the address the provider calls from (" + caller.host() + ")";
            }
            if (refusal != null) {
                throw new RecordRefusedException(refusal);
            }
            at = new Contact(Records.providerOf(r), r.getHost(), r.getPort());
        } catch (RecordRefusedException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Boolean> hostOk;
        try {
            hostOk = ProviderBinding.matchHost(r.getHost(), caller.host()) == ProviderBinding.HostMatch.SAME
                    ? CompletableFuture.completedFuture(true)
                    : CompletableFuture.supplyAsync(() -> ProviderBinding.resolvesTo(r.getHost(), caller.host()), rpcExecutor);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return CompletableFuture.failedFuture(new BusyException("the node is shutting down"));
        }
        return hostOk.thenCompose(ok -> {
            if (!ok) {
                return CompletableFuture.failedFuture(new RecordRefusedException("provider host " + r.getHost()
                        + " does not resolve to the address the provider calls from (" + caller.host() + ")"));
            }
            return admission.prove(at).verdict().thenCompose(v -> switch (v) {
                case PROVEN -> {
                    try {
                        store.addProvider(r);
                        yield CompletableFuture.<Void>completedFuture(null);
                    } catch (RecordRefusedException e) {
                        yield CompletableFuture.<Void>failedFuture(e);
                    }
                }
                case REFUSED -> CompletableFuture.<Void>failedFuture(new RecordRefusedException(
                        "the provider did not answer as itself at " + at.address()));
                case BUSY -> CompletableFuture.<Void>failedFuture(new BusyException(
                        "too many address checks pending; announce again later"));
            });
        });
    }

    void refused(RecordRefusedException e) {
        refusedRecords.incrementAndGet();
        LOG.fine(() -> "refused a record: " + e.getMessage());
    }

    private void refresh() throws InterruptedException {
        if (routing.size() == 0) {
            List<BootstrapAddress> again;
            synchronized (bootstrap) {
                again = List.copyOf(bootstrap);
            }
            if (!again.isEmpty()) {
                joinVia(again);
            }
            return;
        }
        for (int bucket : routing.bucketsToRefresh(config.refreshInterval().toNanos())) {
            lookup(DhtKey.randomInBucket(routing.self(), bucket, ThreadLocalRandom.current()), Lookup.Mode.NODES);
        }
    }

    private void republish() throws InterruptedException {
        long now = System.currentTimeMillis();
        for (ValueRecord r : List.copyOf(ownValues.values())) {
            if (r.getExpiresAtMs() <= now) {
                ownValues.remove(r.getName());
            } else {
                storeValue(r);
            }
        }
        for (Map.Entry<DhtKey, ProviderRecord> e : List.copyOf(provided.entrySet())) {
            // A fresh expiry and sequence each time, so the record outlives this node by one TTL at most.
            provide(e.getKey(), e.getValue().getPayload().toByteArray(),
                    providedTtl.getOrDefault(e.getKey(), config.providerTtl()));
        }
    }

    private void saveRoutingTable() throws IOException {
        if (stateDir != null && !closed) {
            routing.save(stateDir.resolve(ROUTING_FILE));
        }
    }

    private void saveRecords() throws IOException {
        if (recordSaver != null && !closed) {
            recordSaver.close();
        }
    }

    /** Saves the routing table and the stored records, stops the timers, then the server and the connections. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            saveRoutingTable();
        } catch (IOException e) {
            LOG.warning("could not save the routing table: " + e.getMessage());
        }
        try {
            saveRecords();
        } catch (IOException e) {
            LOG.warning("could not save the stored records: " + e.getMessage());
        }
        closed = true;
        timer.shutdownNow();
        rpcExecutor.shutdownNow();
        if (server != null) {
            server.close();
        }
        channels.close();
    }
}
