package dev.mycel.bench;

import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.transport.NetLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Distributed inference against single-process generation, in one run and one JVM (servers and
 * client talk real gRPC over TLS on 127.0.0.1): generation speed through a route of 1 and 2
 * servers, the cost of a hop per generated token, and the aggregate speed of 8 concurrent
 * sessions through 2 servers against one session.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.InferenceBenchmark MODEL.gguf [TOKENS] [THREADS]</pre>
 */
public final class InferenceBenchmark {
    private static final String PROMPT = "The quick brown fox";

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Logger.getLogger("").setLevel(Level.WARNING);
        GenerationOptions greedy = new GenerationOptions(tokens, GenerationOptions.greedy(tokens).sampler(), List.of(), true);

        double localTps;
        int layers;
        try (LoadedModel m = LoadedModel.open(model, threads)) {
            layers = m.config().layers();
            Generator g = new Generator(m.model(), m.tokenizer());
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            g.generate(prompt, 256, greedy, s -> { });
            GenerationResult r = g.generate(prompt, 256, greedy, s -> { });
            localTps = r.tokensPerSecond();
        }
        System.out.printf("| single process, %d threads | %.2f tok/s | %.2f ms/token |%n", threads, localTps, 1000 / localTps);

        DhtConfig config = DhtConfig.defaults();
        try (DhtNode boot = DhtNode.start(config, NodeIdentity.generate(), null)) {
            boot.onEvent(e -> { });
            BootstrapAddress join = new BootstrapAddress(null, "127.0.0.1", boot.port());
            double oneHop = routeSpeed(model, join, new int[] {0, layers}, threads, tokens, greedy);
            double twoHops = routeSpeed(model, join, new int[] {0, layers / 2, layers}, threads, tokens, greedy);
            System.out.printf("| route of 1 server | %.2f tok/s | %.3f ms per hop per token |%n", oneHop,
                    (1000 / oneHop - 1000 / localTps));
            System.out.printf("| route of 2 servers | %.2f tok/s | %.3f ms per hop per token |%n", twoHops,
                    (1000 / twoHops - 1000 / localTps) / 2);
            concurrent(model, join, layers, tokens);
        }
    }

    private record Servers(List<DhtNode> nodes, List<BlockService> services, List<ServedBlocks> blocks,
                           List<BlockServerNode> announcers) implements AutoCloseable {
        @Override
        public void close() {
            announcers.forEach(BlockServerNode::close);
            services.forEach(BlockService::close);
            nodes.forEach(DhtNode::close);
            blocks.forEach(ServedBlocks::close);
        }
    }

    private static Servers start(Path model, BootstrapAddress join, int[] cuts, int threads) throws Exception {
        Servers s = new Servers(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i + 1 < cuts.length; i++) {
            ServedBlocks b = ServedBlocks.load(model, cuts[i], cuts[i + 1], threads);
            BlockService svc = new BlockService(b, ServerLimits.defaults());
            svc.measureSpeed();
            DhtNode n = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null, List.of(svc));
            n.onEvent(e -> { });
            n.bootstrap(List.of(join));
            BlockServerNode a = new BlockServerNode(n, svc, 3600);
            a.announce();
            s.nodes.add(n);
            s.services.add(svc);
            s.blocks.add(b);
            s.announcers.add(a);
        }
        return s;
    }

    private static double routeSpeed(Path model, BootstrapAddress join, int[] cuts, int threads, int tokens,
                                     GenerationOptions greedy) throws Exception {
        try (Servers servers = start(model, join, cuts, threads); DhtNode me = DhtNode.start(DhtConfig.defaults(),
                NodeIdentity.generate(), null)) {
            me.onEvent(e -> { });
            me.bootstrap(List.of(join));
            try (InferenceClient client = new InferenceClient(NodeIdentity.generate(), me, model, threads, NetLimits.defaults())) {
                Generator g = new Generator(client.localModel(), client.tokenizer());
                int[] prompt = client.tokenizer().encode(PROMPT, true, false);
                double tps = 0;
                for (int rep = 0; rep < 2; rep++) {
                    try (RemoteSequence seq = client.sequence(256, RemoteSequence.Options.defaults())) {
                        tps = g.generate(seq, prompt, greedy, s -> { }).tokensPerSecond();
                    }
                }
                return tps;
            }
        }
    }

    private static void concurrent(Path model, BootstrapAddress join, int layers, int tokens) throws Exception {
        // One thread per server, so that two servers can compute at once on two cores.
        GenerationOptions greedy = new GenerationOptions(tokens, GenerationOptions.greedy(tokens).sampler(), List.of(), true);
        try (Servers servers = start(model, join, new int[] {0, layers / 2, layers}, 1);
             DhtNode me = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null)) {
            me.onEvent(e -> { });
            me.bootstrap(List.of(join));
            try (InferenceClient client = new InferenceClient(NodeIdentity.generate(), me, model, 1, NetLimits.defaults())) {
                int[] prompt = client.tokenizer().encode(PROMPT, true, false);
                double one = 0;
                for (int rep = 0; rep < 2; rep++) {
                    try (RemoteSequence seq = client.sequence(256, RemoteSequence.Options.defaults())) {
                        one = new Generator(client.localModel(), client.tokenizer()).generate(seq, prompt, greedy, s -> { })
                                .tokensPerSecond();
                    }
                }
                int sessions = 8;
                long t0 = System.nanoTime();
                int total = 0;
                try (ExecutorService pool = Executors.newFixedThreadPool(sessions)) {
                    List<Future<Integer>> fs = new ArrayList<>();
                    for (int i = 0; i < sessions; i++) {
                        fs.add(pool.submit(() -> {
                            // Sessions share the client's embedding and head; its thread pool takes one caller at a time.
                            try (RemoteSequence seq = client.sequence(256, RemoteSequence.Options.defaults())) {
                                return new Generator(client.localModel(), client.tokenizer()).generate(seq, prompt, greedy,
                                        s -> { }).tokens().length;
                            }
                        }));
                    }
                    for (Future<Integer> f : fs) {
                        total += f.get();
                    }
                }
                double aggregate = total / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("| 1 session, 2 servers (1 thread each) | %.2f tok/s |%n", one);
                System.out.printf("| %d concurrent sessions, 2 servers (1 thread each) | %.2f tok/s aggregate (%.2fx) |%n",
                        sessions, aggregate, aggregate / one);
            }
        }
    }
}
