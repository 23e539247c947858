package dev.mycel.node.cli;

import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.node.daemon.NetworkClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of commands that can run a model's blocks in the network (generate, chat). */
final class NetworkOptions {
    @Option(names = "--network", description = "Run the model's blocks on servers in the network; this process "
            + "runs only the embedding, the head and the tokenizer (it still needs the model file, for those).")
    boolean enabled;

    @Option(names = "--bootstrap", paramLabel = "ADDR[,ADDR...]", split = ",",
            description = "With --network: a node to join through, HOST:PORT or PEERID@HOST:PORT.")
    List<String> bootstrap = new ArrayList<>();

    @Option(names = "--spot-checks", paramLabel = "F", defaultValue = "0.05",
            description = "With --network: fraction of steps also run on a second server and compared by hash "
                    + "(default: ${DEFAULT-VALUE}; a server's first step is always checked when F > 0).")
    double spotChecks;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
            description = "With --network: how long to wait for servers covering every block (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    /** Joins the network and waits for servers; progress and events go to stderr. */
    NetworkClient join(Path model, int threads) throws IOException, InterruptedException {
        if (spotChecks < 0 || spotChecks > 1) {
            throw new UserException("--spot-checks must be within 0..1", true);
        }
        List<BootstrapAddress> peers = new ArrayList<>();
        try {
            for (String b : bootstrap) {
                peers.add(BootstrapAddress.parse(b));
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), true);
        }
        NetworkClient net = NetworkClient.join(model, peers, threads, Duration.ofSeconds(waitSeconds),
                m -> System.err.println("mycel: " + m));
        net.client().onEvent(e -> System.err.println("mycel: " + e));
        return net;
    }

    SpotCheckPolicy spotCheckPolicy(long seed) {
        return new SpotCheckPolicy(spotChecks, seed);
    }
}
