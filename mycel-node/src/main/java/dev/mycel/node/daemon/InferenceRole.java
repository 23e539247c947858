package dev.mycel.node.daemon;

import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.node.openai.LocalBackend;
import dev.mycel.node.openai.ModelBackend;
import dev.mycel.node.openai.NetworkBackend;
import dev.mycel.node.openai.OpenAiHttpServer;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import io.grpc.BindableService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A node's part in distributed inference, wired from its config: the blocks it serves (loaded
 * before the DHT starts, since their service runs on the same authenticated server; sessions
 * also come to a frame socket of their own, whose port is announced with the blocks), their
 * announcement once the node has joined, and the OpenAI-compatible HTTP API over local and
 * network models.
 */
final class InferenceRole implements AutoCloseable {
    /**
     * The longest session this node's block servers accept, and so the longest context its HTTP
     * API asks of the network's servers (all nodes run this code): one value, so a chat without
     * max_tokens never asks for more than a server grants.
     */
    static final int SESSION_POSITIONS = 32768;
    private final NodeConfig.Inference config;
    private final Logger log;
    private BlockService service;
    private FrameServer sessions;
    private BlockServerNode announcer;
    private OpenAiHttpServer http;
    private final List<LoadedModel> localModels = new ArrayList<>();
    private final List<InferenceClient> clients = new ArrayList<>();

    private InferenceRole(NodeConfig.Inference config, Logger log) {
        this.config = config;
        this.log = log;
    }

    /**
     * Loads the served blocks, if any, and opens their session socket on {@code host}; the
     * returned role's {@link #services()} go on the node's server.
     */
    static InferenceRole prepare(NodeConfig.Inference config, NodeIdentity identity, String host, Logger log) {
        InferenceRole role = new InferenceRole(config, log);
        if (config.serveModel() != null) {
            role.loadBlocks();
            role.service.signAs(identity);
            role.openSessionSocket(identity, host);
        }
        return role;
    }

    private void openSessionSocket(NodeIdentity identity, String host) {
        if (config.sessionPort() < 0) {
            return;
        }
        try {
            sessions = service.listen(new TlsContexts(identity), new InetSocketAddress(host, config.sessionPort()),
                    FrameLimits.defaults());
            log.info("sessions on " + host + ":" + sessions.port());
        } catch (IOException e) {
            throw new NodeException("cannot open the session socket on " + host + ":" + config.sessionPort() + ": "
                    + e.getMessage() + " (choose another with serve.session_port, or -1 for none)", e);
        }
    }

    private int threads() {
        return config.serveThreads() > 0 ? config.serveThreads() : Runtime.getRuntime().availableProcessors();
    }

    private void loadBlocks() {
        Path model = config.serveModel();
        int layers;
        try (LoadedModel probe = LoadedModel.open(model, 1, new LayerSpan(0, 0, false, false))) {
            layers = probe.config().layers();
        } catch (RuntimeException e) {
            throw new NodeException("serve.model: " + e.getMessage(), e);
        }
        int first = config.serveFirst();
        int end = config.serveEnd();
        if (first < 0) {
            int count = config.serveBlockCount() > 0 ? Math.min(config.serveBlockCount(), layers) : layers;
            first = 0;
            end = count;
        } else if (end > layers) {
            throw new NodeException("serve.blocks: the model has blocks 0-" + (layers - 1) + ", asked for " + first + "-"
                    + (end - 1));
        }
        try {
            ServedBlocks blocks = ServedBlocks.load(model, first, end, threads());
            service = new BlockService(blocks, new ServerLimits(config.cacheBytes(), Duration.ofMinutes(5), SESSION_POSITIONS));
            service.injectFault(config.fault());
            double speed = service.measureSpeed();
            log.info(String.format(java.util.Locale.ROOT, "serving blocks %d-%d of %s (model %s...), %.0f blocks/s",
                    first, end - 1, model.getFileName(), ModelHash.hex(blocks.modelHash()).substring(0, 16), speed));
        } catch (IOException e) {
            throw new NodeException("serve.model: cannot read " + model + ": " + e.getMessage(), e);
        }
    }

    /** The blocks this node serves; null when it serves none. */
    BlockService served() {
        return service;
    }

    List<BindableService> services() {
        return service == null ? List.of() : List.of(service);
    }

    /** Starts the HTTP API (it can answer for local models before the node has joined). */
    void startHttp(NodeIdentity identity, DhtNode dht) throws IOException {
        if (config.httpListen() == null) {
            return;
        }
        List<ModelBackend> backends = new ArrayList<>();
        for (Path p : config.httpModels()) {
            LoadedModel m = LoadedModel.open(p, Runtime.getRuntime().availableProcessors());
            localModels.add(m);
            backends.add(new LocalBackend(id(p), m));
        }
        for (Path p : config.networkModels()) {
            InferenceClient c = new InferenceClient(identity, dht, p, Runtime.getRuntime().availableProcessors(),
                    dht.config().net());
            c.onEvent(log::info);
            clients.add(c);
            backends.add(new NetworkBackend(id(p), c, RemoteSequence.Options.defaults()
                    .withSpotChecks(new SpotCheckPolicy(config.spotChecks(), System.nanoTime())), SESSION_POSITIONS));
        }
        HostPort at = config.httpListen();
        http = OpenAiHttpServer.start(new InetSocketAddress(at.host(), at.port()), backends);
        log.info("OpenAI-compatible API on http://" + at.host() + ":" + http.port() + "/v1 serving "
                + backends.stream().map(ModelBackend::id).toList());
    }

    private static String id(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /** Once the node is in the network: announce the served blocks, and keep a chosen span where it is needed. */
    void joined(DhtNode dht) {
        if (service == null) {
            return;
        }
        announcer = new BlockServerNode(dht, service, announcePeriodSeconds(dht.config().republishInterval()));
        try {
            if (config.serveFirst() < 0) {
                announcer.rebalanceOnce(config.serveModel(), threads());
                announcer.rebalance(config.serveModel(), threads(), config.rebalanceInterval().toSeconds());
            }
            int stored = announcer.announce();
            var info = service.info();
            log.info("announced blocks " + info.getFirst() + "-" + (info.getEnd() - 1) + " on " + stored + " nodes");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            log.warning("announcing the served blocks failed: " + e.getMessage());
        }
    }

    /**
     * How often the served blocks are announced: every 30 s (each announcement lives three
     * periods, so a server that died is no longer listed 90 s after its last one), or more often
     * where the DHT republishes more often than once a minute (devnets and tests).
     */
    static long announcePeriodSeconds(Duration republish) {
        return Math.max(1, Math.min(30, republish.toSeconds() / 2));
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (announcer != null) {
            // A clean stop tells the network at once, before the sessions end, so that new
            // clients do not pick this server in the meantime.
            int told = announcer.withdraw();
            log.info("withdrew the served blocks' announcement from " + told + " nodes");
            announcer.close();
        }
        if (sessions != null) {
            sessions.close();
        }
        if (service != null) {
            service.close();
            service.blocks().close();
        }
        clients.forEach(InferenceClient::close);
        localModels.forEach(LoadedModel::close);
    }
}
