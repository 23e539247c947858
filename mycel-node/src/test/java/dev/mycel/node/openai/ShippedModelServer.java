package dev.mycel.node.openai;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.ChatMessage;
import dev.mycel.model.tokenizer.ChatTemplate;
import dev.mycel.model.testing.TestData;
import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.DhtServerDirectory;
import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.grpc.NetLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API serving the shipped model on a free loopback port, run here or through block
 * servers in the network, and what local generation gives for the same request, so tests of
 * client libraries can compare their answers with it (a network generation has the bits of a
 * local one, which mycel-inference's tests hold in place).
 */
final class ShippedModelServer implements AutoCloseable {
    static final String ID = "stories260K";
    /** On the network fixture: the same model where servers grant sessions of only {@link #SHORT_SESSION} positions. */
    static final String SHORT_ID = "stories260K-short";
    static final int SHORT_SESSION = 96;
    private static final Path FILE = TestData.shippedModel("stories260K.gguf");
    final LoadedModel model;
    final OpenAiHttpServer server;
    /** The API's base URL, ending in {@code /v1}, as OpenAI's clients take it. */
    final String base;
    /** What the network fixture started, closed last to first. */
    private final List<AutoCloseable> network;

    private ShippedModelServer(LoadedModel model, OpenAiHttpServer server, List<AutoCloseable> network) {
        this.model = model;
        this.server = server;
        this.base = "http://127.0.0.1:" + server.port() + "/v1";
        this.network = network;
    }

    /** The API over a {@link LocalBackend}: the whole model in this process. */
    static ShippedModelServer start() throws IOException {
        LoadedModel model = LoadedModel.open(FILE, 1);
        return new ShippedModelServer(model, OpenAiHttpServer.start(new InetSocketAddress("127.0.0.1", 0),
                List.of(new LocalBackend(ID, model))), List.of());
    }

    /**
     * The API over a {@link NetworkBackend}: two block servers in this JVM, each a DHT node with
     * its own identity, TLS and session socket on 127.0.0.1, holding half the blocks each, and a
     * client that finds them through the DHT, as a node started with {@code --http-network-model} does.
     */
    static ShippedModelServer startNetwork() throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            DhtConfig config = DhtConfig.defaults();
            DhtNode bootstrap = DhtNode.start(config, NodeIdentity.generate(), null);
            started.add(bootstrap);
            List<BootstrapAddress> join = List.of(new BootstrapAddress(null, "127.0.0.1", bootstrap.port()));
            LoadedModel model = LoadedModel.open(FILE, 1);
            started.add(model);
            int layers = model.config().layers();
            for (int[] span : new int[][] {{0, layers / 2}, {layers / 2, layers}}) {
                ServedBlocks blocks = ServedBlocks.load(FILE, span[0], span[1], 1);
                started.add(blocks::close);
                BlockService service = new BlockService(blocks, ServerLimits.defaults());
                started.add(service);
                service.measureSpeed();
                NodeIdentity id = NodeIdentity.generate();
                started.add(service.listen(new TlsContexts(id), new InetSocketAddress("127.0.0.1", 0),
                        FrameLimits.defaults()));
                DhtNode dht = DhtNode.start(config, id, null, List.of(service));
                started.add(dht);
                dht.bootstrap(join);
                BlockServerNode announcer = new BlockServerNode(dht, service, 3600);
                started.add(announcer);
                announcer.announce();
            }
            NodeIdentity me = NodeIdentity.generate();
            DhtNode clientDht = DhtNode.start(config, me, null);
            started.add(clientDht);
            clientDht.bootstrap(join);
            byte[] hash = ModelHash.of(FILE);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (new DhtServerDirectory(clientDht).servers(hash).size() < 2) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the two block servers did not appear in the DHT within 30 s");
                }
                Thread.sleep(50);
            }
            InferenceClient client = new InferenceClient(me, clientDht, FILE, 1, NetLimits.defaults());
            started.add(client);
            OpenAiHttpServer server = OpenAiHttpServer.start(new InetSocketAddress("127.0.0.1", 0),
                    List.of(new NetworkBackend(ID, client, RemoteSequence.Options.defaults(),
                            ServerLimits.defaults().maxPositions()),
                            new NetworkBackend(SHORT_ID, client, RemoteSequence.Options.defaults(), SHORT_SESSION)));
            return new ShippedModelServer(model, server, started);
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    private static void closeAll(List<AutoCloseable> started) {
        for (AutoCloseable c : started.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // closing the rest matters more than one failure to close
            }
        }
    }

    int contextLength() {
        return model.config().contextLength();
    }

    int[] chatPrompt(String user) {
        return ChatTemplate.forTokenizer(model.tokenizer()).orElseThrow()
                .encode(model.tokenizer(), List.of(ChatMessage.user(user)), true);
    }

    /** Greedy local generation for a one-message chat, as a request without max_tokens must answer it: up to the context's end. */
    String greedyChat(String user) {
        int[] prompt = chatPrompt(user);
        return greedyChat(user, contextLength() - prompt.length);
    }

    String greedyChat(String user, int maxTokens) {
        return new Generator(model.model(), model.tokenizer()).generate(chatPrompt(user), contextLength(),
                GenerationOptions.greedy(maxTokens), s -> { }).text();
    }

    @Override
    public void close() {
        server.close();
        if (network.isEmpty()) {
            model.close();
        } else {
            closeAll(network);
        }
    }
}
