package dev.mycel.node.cli;

import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.Generator;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.node.daemon.NetworkClient;
import dev.mycel.node.openai.LocalBackend;
import dev.mycel.node.openai.OpenAiHttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code mycel startup-training MODEL}: the workload the launcher runs once per build with
 * {@code -XX:AOTCacheOutput}, so that the JVM's ahead-of-time cache holds the classes (and their
 * linking and profiles) that the common commands load: a local generation, a block server, the
 * DHT, TLS, a client generating through the network, and the HTTP API. Everything runs in this
 * process on 127.0.0.1 and is gone when it ends. Hidden: users never need it.
 */
@Command(name = "startup-training", hidden = true, mixinStandardHelpOptions = true,
        header = "Exercise the common commands once, for the launcher's start-up cache.")
final class StartupTrainingCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "A small GGUF model (the shipped one).")
    Path model;

    @Override
    public Integer call() throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        int[] prompt;
        try (LoadedModel m = LoadedModel.open(model, 1)) {
            prompt = m.tokenizer().encode("Once upon a time", true, false);
            new Generator(m.model(), m.tokenizer()).generate(prompt, 64, GenerationOptions.greedy(8), s -> { });
            try (OpenAiHttpServer http = OpenAiHttpServer.start(new InetSocketAddress("127.0.0.1", 0),
                    List.of(new LocalBackend("model", m)));
                 HttpClient client = HttpClient.newHttpClient()) {
                String body = "{\"model\":\"model\",\"stream\":true,\"max_tokens\":4,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            }
        }
        NodeIdentity id = NodeIdentity.generate();
        try (ServedBlocks blocks = ServedBlocks.load(model, 0, layers(), 1);
             BlockService service = new BlockService(blocks, ServerLimits.defaults());
             FrameServer sessions = service.listen(new TlsContexts(id), new InetSocketAddress("127.0.0.1", 0),
                     FrameLimits.defaults());
             DhtNode dht = DhtNode.start(DhtConfig.defaults().withListen("127.0.0.1", 0), id, null, List.of(service))) {
            service.signAs(id);
            service.measureSpeed();
            try (BlockServerNode announcer = new BlockServerNode(dht, service, 60)) {
                announcer.announce();
                try (NetworkClient net = NetworkClient.join(model, List.of(new BootstrapAddress(null, "127.0.0.1", dht.port())),
                        1, Duration.ofSeconds(30), m -> { });
                     RemoteSequence seq = net.client().sequence(64, RemoteSequence.Options.defaults()
                             .withSpotChecks(new SpotCheckPolicy(0.05, 1)))) {
                    new Generator(net.client().localModel(), net.client().tokenizer()).generate(seq, prompt,
                            GenerationOptions.greedy(8), s -> { });
                }
                announcer.withdraw();
            }
        }
        return 0;
    }

    private int layers() {
        try (LoadedModel probe = LoadedModel.open(model, 1, new dev.mycel.model.llama.LayerSpan(0, 0, false, false))) {
            return probe.config().layers();
        }
    }
}
