package dev.mycel.bench;

import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.server.BlockService;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.transport.grpc.NetLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-token latency through a route of servers whose links have a one-way delay (a
 * {@link DelayProxy} in front of each server's frame socket, standing in for {@code tc netem}):
 * with the servers pushing hidden states to the next hop, and with the client carrying them,
 * against single-process compute plus the delays each way must add (hops + 1 one-way delays per
 * token when servers push, 2 x hops when the client carries).
 *
 * <pre>java ... -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.DelayedRouteBenchmark MODEL.gguf [TOKENS] [THREADS] [REPS] [ONE_WAY_MS] [HOPS]</pre>
 */
public final class DelayedRouteBenchmark {
    public static void main(String[] args) throws Exception {
        Path model = InferenceBenchmark.modelArgument(args, 6,
                "DelayedRouteBenchmark MODEL.gguf [TOKENS=16] [THREADS=2] [REPS=3] [ONE_WAY_MS=25] [HOPS=2]");
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Duration delay = Duration.ofMillis(args.length > 4 ? Long.parseLong(args[4]) : 25);
        int hops = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        Logger.getLogger("").setLevel(Level.WARNING);
        GenerationOptions greedy = new GenerationOptions(tokens, GenerationOptions.greedy(tokens).sampler(), List.of(), true);
        List<DelayProxy> proxies = new ArrayList<>();
        try (LoadedModel m = LoadedModel.open(model, threads);
             DhtNode boot = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null)) {
            boot.onEvent(e -> { });
            BootstrapAddress join = new BootstrapAddress(null, "127.0.0.1", boot.port());
            int layers = m.config().layers();
            int[] cuts = new int[hops + 1];
            for (int i = 0; i <= hops; i++) {
                cuts[i] = layers * i / hops;
            }
            try (InferenceBenchmark.Servers servers = InferenceBenchmark.start(model, join, cuts, threads);
                 DhtNode me = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null)) {
                for (int i = 0; i < hops; i++) {
                    BlockService svc = servers.services().get(i);
                    DelayProxy p = DelayProxy.start(svc.info().getSessionPort(), delay);
                    proxies.add(p);
                    svc.advertiseSessionPort(p.port());
                    servers.announcers().get(i).announce();
                }
                me.onEvent(e -> { });
                me.bootstrap(List.of(join));
                try (InferenceClient client = new InferenceClient(NodeIdentity.generate(), me, model, threads,
                        NetLimits.defaults())) {
                    InferenceBenchmark.awaitServers(client, me, hops);
                    Generator local = new Generator(m.model(), m.tokenizer());
                    int[] prompt = m.tokenizer().encode("The quick brown fox", true, false);
                    local.generate(prompt, 256, greedy, s -> { });
                    run(client, prompt, greedy, true);
                    double[][] ms = new double[3][reps];
                    for (int rep = 0; rep < reps; rep++) {
                        ms[0][rep] = 1000 / local.generate(prompt, 256, greedy, s -> { }).tokensPerSecond();
                        ms[1][rep] = run(client, prompt, greedy, true);
                        ms[2][rep] = run(client, prompt, greedy, false);
                    }
                    double d = delay.toNanos() / 1e6;
                    double compute = InferenceBenchmark.median(ms[0]);
                    System.out.printf("%d tokens, %d threads, %d repetitions, route of %d servers, %.0f ms one way on every"
                            + " link to a server (%.0f ms round trip)%n", tokens, threads, reps, hops, d, 2 * d);
                    System.out.println("| setup | ms per token | compute + delays on the way, ms | difference, ms |");
                    System.out.println("| --- | ---: | ---: | ---: |");
                    System.out.printf("| single process (compute) | %s | | |%n", InferenceBenchmark.range(ms[0]));
                    double pushed = compute + (hops + 1) * d;
                    double carried = compute + 2 * hops * d;
                    System.out.printf("| servers push | %s | %.2f (%d one-way delays) | %.2f |%n", InferenceBenchmark.range(ms[1]),
                            pushed, hops + 1, InferenceBenchmark.median(ms[1]) - pushed);
                    System.out.printf("| client carries | %s | %.2f (%d one-way delays) | %.2f |%n", InferenceBenchmark.range(ms[2]),
                            carried, 2 * hops, InferenceBenchmark.median(ms[2]) - carried);
                }
            }
        } finally {
            for (DelayProxy p : proxies) {
                p.close();
            }
        }
    }

    private static double run(InferenceClient client, int[] prompt, GenerationOptions greedy, boolean pushes) {
        try (RemoteSequence seq = client.sequence(256, RemoteSequence.Options.defaults().withForwarding(pushes))) {
            GenerationResult r = new Generator(client.localModel(), client.tokenizer()).generate(seq, prompt, greedy, s -> { });
            return 1000 / r.tokensPerSecond();
        }
    }
}
