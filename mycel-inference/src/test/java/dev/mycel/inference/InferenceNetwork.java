package dev.mycel.inference;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.net.transport.grpc.NetLimits;
import java.net.InetSocketAddress;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * Block servers and a client in one JVM, each a real DHT node with its own identity and gRPC
 * server over TLS on 127.0.0.1: the servers announce their spans, the client finds them
 * through the DHT.
 */
final class InferenceNetwork implements AutoCloseable {
    final Path model;
    final boolean frames;
    final DhtNode bootstrap;
    final List<Server> servers = new ArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    private DhtNode clientDht;
    private InferenceClient client;
    private final List<InferenceClient> others = new ArrayList<>();
    private final List<DhtNode> otherDhts = new ArrayList<>();

    record Server(DhtNode dht, BlockService service, ServedBlocks blocks, BlockServerNode announcer,
                  FrameServer frames, java.util.concurrent.atomic.AtomicBoolean dead) {
        void kill() {
            if (dead.getAndSet(true)) {
                return;
            }
            // Abrupt: the servers stop and every session with them.
            if (frames != null) {
                frames.close();
            }
            announcer.close();
            service.close();
            dht.close();
            service.blocks().close(); // the blocks served now (a rebalance may have replaced the first ones)
        }
    }

    static DhtConfig config() {
        DhtConfig d = DhtConfig.defaults();
        return d.withNet(d.net().withRpcTimeout(Duration.ofSeconds(3)));
    }

    InferenceNetwork(Path model) throws Exception {
        this(model, true);
    }

    /** @param frames whether servers open a frame socket for sessions (else sessions run over gRPC) */
    InferenceNetwork(Path model, boolean frames) throws Exception {
        this.model = model;
        this.frames = frames;
        this.bootstrap = DhtNode.start(config(), NodeIdentity.generate(), null);
        bootstrap.onEvent(e -> { });
    }

    Server addServer(int first, int end, UnaryOperator<float[]> tamper, ServerLimits limits) throws Exception {
        return addServer(first, end, tamper, limits, new BlockService(ServedBlocks.load(model, first, end, 1), limits, tamper));
    }

    /**
     * A server whose push connections open in line, on the thread of the step that first names
     * the next server: a test then knows the connection is up by the following step, without waiting.
     */
    Server addServerPushingInLine(int first, int end) throws Exception {
        return addServer(first, end, UnaryOperator.identity(), ServerLimits.defaults(), new BlockService(
                ServedBlocks.load(model, first, end, 1), ServerLimits.defaults(), UnaryOperator.identity(), System::nanoTime,
                Runnable::run));
    }

    private Server addServer(int first, int end, UnaryOperator<float[]> tamper, ServerLimits limits, BlockService service)
            throws Exception {
        ServedBlocks blocks = service.blocks();
        service.measureSpeed();
        NodeIdentity id = NodeIdentity.generate();
        service.signAs(id);
        FrameServer socket = frames ? service.listen(new TlsContexts(id), new InetSocketAddress("127.0.0.1", 0),
                FrameLimits.defaults()) : null;
        DhtNode dht = DhtNode.start(config(), id, null, List.of(service));
        dht.onEvent(e -> { });
        dht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", bootstrap.port())));
        BlockServerNode announcer = new BlockServerNode(dht, service, 3600);
        announcer.announce();
        Server s = new Server(dht, service, blocks, announcer, socket, new java.util.concurrent.atomic.AtomicBoolean());
        servers.add(s);
        return s;
    }

    Server addServer(int first, int end) throws Exception {
        return addServer(first, end, UnaryOperator.identity(), ServerLimits.defaults());
    }

    RemoteSequence sequence(int capacity, RemoteSequence.Options options) throws Exception {
        if (client == null) {
            NodeIdentity me = NodeIdentity.generate();
            clientDht = DhtNode.start(config(), me, null);
            clientDht.onEvent(e -> { });
            clientDht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", bootstrap.port())));
            client = new InferenceClient(me, clientDht, model, 1, NetLimits.defaults());
            client.onEvent(events::add);
        }
        return client.sequence(capacity, options);
    }

    InferenceClient client() {
        return client;
    }

    /**
     * Another client, with its own identity and DHT node, that has never talked to anyone; its
     * events go to {@code events}. Closed with the network.
     */
    InferenceClient newClient(List<String> events) throws Exception {
        NodeIdentity me = NodeIdentity.generate();
        DhtNode dht = DhtNode.start(config(), me, null);
        dht.onEvent(e -> { });
        dht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", bootstrap.port())));
        InferenceClient c = new InferenceClient(me, dht, model, 1, NetLimits.defaults());
        c.onEvent(events::add);
        others.add(c);
        otherDhts.add(dht);
        return c;
    }

    DhtNode clientDht() {
        return clientDht;
    }

    @Override
    public void close() {
        others.forEach(InferenceClient::close);
        otherDhts.forEach(DhtNode::close);
        if (client != null) {
            client.close();
        }
        if (clientDht != null) {
            clientDht.close();
        }
        for (Server s : servers) {
            s.kill();
        }
        bootstrap.close();
    }
}
