package dev.mycel.node.daemon;

import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.client.RoutePlanner;
import dev.mycel.inference.client.NoRouteException;
import dev.mycel.inference.DhtServerDirectory;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A short-lived client of the network for one command (generate, chat): a DHT node with a
 * throw-away identity that joins through the bootstrap peers, waits until servers cover every
 * block of the model, and hands out an {@link InferenceClient}.
 */
public final class NetworkClient implements AutoCloseable {
    private final DhtNode dht;
    private final InferenceClient client;

    private NetworkClient(DhtNode dht, InferenceClient client) {
        this.dht = dht;
        this.client = client;
    }

    public static NetworkClient join(Path model, List<BootstrapAddress> bootstrap, int threads, Duration wait,
                                     Consumer<String> progress) throws IOException, InterruptedException {
        if (bootstrap.isEmpty()) {
            throw new NodeException("--network needs --bootstrap HOST:PORT of a node in the network");
        }
        NodeIdentity me = NodeIdentity.generate();
        DhtNode dht = DhtNode.start(DhtConfig.defaults().withListen("127.0.0.1", 0), me, null);
        dht.onEvent(e -> { });
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (dht.bootstrap(bootstrap) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new NodeException("no bootstrap peer answered (" + bootstrap + "); is a node running there?");
                }
                Thread.sleep(500);
            }
            byte[] hash = ModelHash.of(model);
            DhtServerDirectory directory = new DhtServerDirectory(dht);
            int layers;
            try (var probe = dev.mycel.model.engine.LoadedModel.open(model, 1,
                    new dev.mycel.model.llama.LayerSpan(0, 0, false, false))) {
                layers = probe.config().layers();
            }
            while (true) {
                try {
                    RoutePlanner.plan(directory.servers(hash), 0, layers, Set.of(), java.util.Map.of());
                    break;
                } catch (NoRouteException e) {
                    if (System.nanoTime() > deadline) {
                        throw new NodeException("the network does not serve every block of " + model.getFileName()
                                + " (model " + ModelHash.hex(hash).substring(0, 16) + "...): " + e.getMessage()
                                + "; start servers with mycel node start --serve " + model.getFileName());
                    }
                    progress.accept("waiting for servers: " + e.getMessage());
                    Thread.sleep(1000);
                }
            }
            return new NetworkClient(dht, new InferenceClient(me, dht, model, threads, dht.config().net()));
        } catch (IOException | InterruptedException | RuntimeException e) {
            dht.close();
            throw e;
        }
    }

    public DhtNode dht() {
        return dht;
    }

    public InferenceClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        dht.close();
    }
}
