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
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.net.tls.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
        // Joining is mostly waiting (TLS start-up, round trips) and the model's part mostly
        // reading: hashing the file and loading the embedding and head run beside it.
        TlsContexts.warmUp();
        CompletableFuture<LocalPart> part = CompletableFuture.supplyAsync(() -> LocalPart.load(model, threads));
        NodeIdentity me = NodeIdentity.generate();
        DhtNode dht = DhtNode.start(DhtConfig.defaults().withListen("127.0.0.1", 0), me, null);
        dht.onEvent(e -> { });
        LocalPart local = null;
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (dht.bootstrapForLookups(bootstrap) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new NodeException("no bootstrap peer answered (" + bootstrap + "); is a node running there?");
                }
                Thread.sleep(500);
            }
            local = LocalPart.await(part);
            DhtServerDirectory directory = new DhtServerDirectory(dht);
            while (true) {
                try {
                    RoutePlanner.plan(directory.servers(local.hash()), 0, local.model().config().layers(), Set.of(),
                            java.util.Map.of());
                    break;
                } catch (NoRouteException e) {
                    if (System.nanoTime() > deadline) {
                        throw new NodeException("the network does not serve every block of " + model.getFileName()
                                + " (model " + ModelHash.hex(local.hash()).substring(0, 16) + "...): " + e.getMessage()
                                + "; start servers with mycel node start --serve " + model.getFileName());
                    }
                    progress.accept("waiting for servers: " + e.getMessage());
                    Thread.sleep(1000);
                }
            }
            return new NetworkClient(dht, new InferenceClient(me, dht, model, local.model(), dht.config().net(), true));
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (local != null) {
                local.model().close();
            } else {
                part.thenAccept(p -> p.model().close());
            }
            dht.close();
            throw e;
        }
    }

    /** The model's hash and the part this process runs: the embedding, the head and the tokenizer. */
    private record LocalPart(byte[] hash, LoadedModel model) {
        static LocalPart load(Path file, int threads) {
            try {
                byte[] hash = ModelHash.of(file);
                return new LocalPart(hash, LoadedModel.open(file, threads, new LayerSpan(0, 0, true, true)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static LocalPart await(CompletableFuture<LocalPart> part) throws IOException {
            try {
                return part.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof UncheckedIOException io) {
                    throw io.getCause();
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
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
