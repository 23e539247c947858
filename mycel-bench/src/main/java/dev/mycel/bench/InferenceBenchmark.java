package dev.mycel.bench;

import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.client.HopTimes;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.net.transport.grpc.NetLimits;
import java.net.InetSocketAddress;
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
 * client talk over TLS on 127.0.0.1, sessions on the servers' frame sockets and, for comparison,
 * on gRPC streams): generation speed through a route of 1 and 2 servers, the cost of a hop per
 * generated token, and the aggregate speed of 8 concurrent sessions through 2 servers against
 * one session.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.InferenceBenchmark MODEL.gguf [TOKENS] [THREADS] [REPS] [WARMUP] [processes]</pre>
 *
 * <p>Each way through the routes first generates {@code WARMUP} tokens unmeasured: a step's
 * network path runs once per token, so the JIT compiles it fully only after several hundred
 * tokens, long after the model's kernels (which loop millions of times per token).
 */
public final class InferenceBenchmark {
    private static final String PROMPT = "The quick brown fox";

    public static void main(String[] args) throws Exception {
        Path model = modelArgument(args, 6, "InferenceBenchmark MODEL.gguf [TOKENS=64] [THREADS=2] [REPS=5] [WARMUP=384] [processes]");
        // "processes" (last): each block server in a JVM of its own, as on separate machines.
        boolean processes = args[args.length - 1].equals("processes");
        int numbers = processes ? args.length - 1 : args.length;
        int tokens = numbers > 1 ? Integer.parseInt(args[1]) : 64;
        int threads = numbers > 2 ? Integer.parseInt(args[2]) : 2;
        int reps = numbers > 3 ? Integer.parseInt(args[3]) : 5;
        int warmup = numbers > 4 ? Integer.parseInt(args[4]) : 384;
        Logger.getLogger("").setLevel(Level.WARNING);
        GenerationOptions greedy = new GenerationOptions(tokens, GenerationOptions.greedy(tokens).sampler(), List.of(), true);

        // Single process, a route of one server and a route of two, all up at once (each route in
        // a DHT of its own, so that its client cannot pick the other's servers) and measured in
        // turn, repetition after repetition: the host's load then falls on all three alike, and
        // the cost of a hop is a difference of two numbers measured seconds apart.
        try (LoadedModel m = LoadedModel.open(model, threads);
             Route one = Route.start(m, model, 1, threads, processes);
             Route two = Route.start(m, model, 2, threads, processes)) {
            Generator local = new Generator(m.model(), m.tokenizer());
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            local.generate(prompt, 256, greedy, s -> { });
            for (int done = 0; done < warmup; done += tokens) {
                one.generate(prompt, greedy);
                two.generate(prompt, greedy);
                one.generateOverGrpc(prompt, greedy);
                two.generateOverGrpc(prompt, greedy);
                two.generateWithoutPushes(prompt, greedy);
            }
            // Rows: single process, then each route over the frame socket and over gRPC, and the
            // route of two also with the client carrying every step (servers not pushing).
            String[] setups = {"route of 1 server, frame socket", "route of 1 server, gRPC stream",
                    "route of 2 servers, frame socket, servers push", "route of 2 servers, frame socket, client carries",
                    "route of 2 servers, gRPC stream"};
            double[][] msPerToken = new double[setups.length + 1][reps];
            double[][] overhead = new double[setups.length + 1][reps];
            for (int rep = 0; rep < reps; rep++) {
                msPerToken[0][rep] = 1000 / local.generate(prompt, 256, greedy, s -> { }).tokensPerSecond();
                Run[] runs = {one.generate(prompt, greedy), one.generateOverGrpc(prompt, greedy),
                        two.generate(prompt, greedy), two.generateWithoutPushes(prompt, greedy),
                        two.generateOverGrpc(prompt, greedy)};
                for (int i = 0; i < runs.length; i++) {
                    msPerToken[i + 1][rep] = runs[i].msPerToken();
                    overhead[i + 1][rep] = runs[i].times().overheadMillisPerStep() / (i < 2 ? 1 : 2);
                }
            }
            System.out.printf("%d tokens, %d threads, %d repetitions (median, min-max) after %d tokens of warm-up, servers %s%n",
                    tokens, threads, reps, Math.max(tokens, warmup), processes ? "in processes of their own" : "in this JVM");
            System.out.println("| setup | ms per token | tok/s | extra ms per hop per token | route time - servers' compute, ms per hop per step |");
            System.out.println("| --- | ---: | ---: | ---: | ---: |");
            System.out.printf("| single process | %s | %.2f | | |%n", range(msPerToken[0]), 1000 / median(msPerToken[0]));
            for (int row = 1; row <= setups.length; row++) {
                int hops = row <= 2 ? 1 : 2;
                double[] extra = new double[reps];
                for (int rep = 0; rep < reps; rep++) {
                    extra[rep] = (msPerToken[row][rep] - msPerToken[0][rep]) / hops;
                }
                System.out.printf("| %s | %s | %.2f | %s | %s |%n", setups[row - 1], range(msPerToken[row]),
                        1000 / median(msPerToken[row]), range(extra), range(overhead[row]));
            }
            // The two ways through the route of two, measured back to back in every repetition:
            // their per-repetition difference cancels most of what the host's load adds to both.
            double[] saved = new double[reps];
            for (int rep = 0; rep < reps; rep++) {
                saved[rep] = msPerToken[4][rep] - msPerToken[3][rep];
            }
            System.out.printf("servers pushing instead of the client carrying saves %s ms per token (route of 2, paired by repetition)%n",
                    range(saved));

            // The same cost measured token by token: the single process and a route generate the
            // same greedy tokens in lockstep, each token timed on both back to back (in turns, so
            // neither always goes first), so the host's load, which moves a token by milliseconds
            // over seconds, falls on both sides of each difference alike.
            System.out.println();
            System.out.printf("Lockstep with the single process, %d repetitions of %d tokens:%n", reps, tokens);
            System.out.println("| setup | extra ms per hop per token: median | p25-p75 | mean |");
            System.out.println("| --- | ---: | ---: | ---: |");
            String[] names = {"route of 1 server, frame socket", "route of 2 servers, frame socket, servers push",
                    "route of 2 servers, frame socket, client carries", "route of 1 server, gRPC stream",
                    "route of 2 servers, gRPC stream", "control: a second single process (no network)"};
            // The control runs the same model on a second pool with state of its own, sharing
            // the weights: what it shows is how far two identical computations drift apart in
            // this run, which no per-token pairing removes, and bounds how exactly the rows
            // above can be read.
            LoadedModel twin = m.share(new LayerSpan(0, m.config().layers(), true, true), threads);
            List<List<double[]>> parts = new ArrayList<>();
            for (int i = 0; i < names.length - 1; i++) { // the routes, not the control
                parts.add(new ArrayList<>());
            }
            double[][] perHop = new double[names.length][];
            for (int i = 0; i < names.length; i++) {
                perHop[i] = new double[0];
            }
            for (int rep = 0; rep < reps; rep++) {
                perHop[0] = concat(perHop[0], lockstep(m.model(), one, one.client, prompt, tokens, true, parts.get(0)));
                perHop[1] = concat(perHop[1], lockstep(m.model(), two, two.client, prompt, tokens, true, parts.get(1)));
                perHop[2] = concat(perHop[2], lockstep(m.model(), two, two.client, prompt, tokens, false, parts.get(2)));
                perHop[3] = concat(perHop[3], lockstep(m.model(), one, one.grpcClient, prompt, tokens, true, parts.get(3)));
                perHop[4] = concat(perHop[4], lockstep(m.model(), two, two.grpcClient, prompt, tokens, true, parts.get(4)));
                perHop[5] = concat(perHop[5], lockstep(m.model(), Generator.local(twin.model(), twin.model().newState(256)),
                        twin.model().pool(), prompt, tokens, 1, null, null));
            }
            twin.close();
            for (int i = 0; i < names.length; i++) {
                System.out.printf("| %s | %.3f | %.3f-%.3f | %.3f |%n", names[i], quantile(perHop[i], 0.5),
                        quantile(perHop[i], 0.25), quantile(perHop[i], 0.75),
                        java.util.Arrays.stream(perHop[i]).average().orElse(0));
            }
            appendLockstep(names, perHop);
            if (!processes) {
                printParts(names, parts);
            }
            System.out.println();
            concurrent(model, one.join, m.config().layers(), tokens);
        }
    }

    private record Run(double msPerToken, HopTimes times) {
    }

    /** The model file named first, or the usage and exit status 2 when the arguments do not fit. */
    static Path modelArgument(String[] args, int maxArgs, String usage) {
        if (args.length < 1 || args.length > maxArgs || !java.nio.file.Files.isRegularFile(Path.of(args[0]))) {
            System.err.println("usage: " + usage + (args.length > 0 ? "\n  no such model file: " + args[0] : ""));
            System.exit(2);
        }
        return Path.of(args[0]);
    }

    /**
     * Greedy generation of {@code tokens} tokens in this process and through the route at once,
     * token by token: for each, the route's time minus the single process's, per hop, in ms.
     */
    private static double[] lockstep(LlamaModel model, Route route, InferenceClient client, int[] prompt,
                                     int tokens, boolean pushes, List<double[]> parts) {
        try (RemoteSequence remote = client.sequence(256, RemoteSequence.Options.defaults().withForwarding(pushes))) {
            List<LlamaModel> servers = route.serverModels();
            Probe probe = servers == null ? null : () -> {
                long blocks = 0;
                for (LlamaModel s : servers) {
                    blocks += s.computeTimes().blocksNanos();
                }
                return new RouteCounters(remote.routeTimes(), blocks, client.localModel().computeTimes().headNanos());
            };
            return lockstep(model, remote, null, prompt, tokens, route.hops(), probe, parts);
        }
    }

    /** What a route has done so far: its steps' times, its servers' time in blocks, its client's in the head (ns). */
    private record RouteCounters(HopTimes route, long serverBlocksNanos, long clientHeadNanos) {
    }

    private interface Probe {
        RouteCounters read();
    }

    /**
     * Where a route's extra time per token went, lockstep medians: the network legs (the route's
     * time minus its servers' compute), the servers' blocks against the single process's, the
     * client's head against the single process's, and the rest (decoding, encoding and hashing
     * hidden states on both sides, less the single process's own bookkeeping). The blocks are the
     * same arithmetic on the same weights on both sides, so their difference is the drift the
     * control row shows; the last column is the extra time without it, per hop.
     */
    private static void printParts(String[] names, List<List<double[]>> parts) {
        System.out.println();
        System.out.println("Where the extra time per token went (lockstep medians, ms per token; last column per hop):");
        System.out.println("| setup | extra | network legs | servers' blocks - single's | client's head - single's | the rest"
                + " | extra less the blocks' difference, per hop |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < parts.size(); i++) {
            List<double[]> p = parts.get(i);
            if (p.isEmpty()) {
                continue;
            }
            System.out.printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n", names[i], medianOf(p, 0),
                    medianOf(p, 1), medianOf(p, 2), medianOf(p, 3), medianOf(p, 4), medianOf(p, 5));
        }
    }

    private static double medianOf(List<double[]> rows, int column) {
        return median(rows.stream().mapToDouble(r -> r[column]).toArray());
    }

    /**
     * The single process in lockstep with {@code other}: a route, or ({@code otherPool} not null)
     * a second single process on a pool of its own, which is then woken ahead as fairly. With a
     * probe, also adds each undisturbed token's parts (see printParts) to {@code parts}.
     */
    private static double[] lockstep(LlamaModel model, dev.mycel.model.generate.Sequence other,
                                     dev.mycel.tensor.ThreadPool otherPool, int[] prompt, int tokens, int hops,
                                     Probe probe, List<double[]> parts) {
        dev.mycel.model.generate.Sequence local = Generator.local(model, model.newState(256));
        int next = argmax(local.forward(prompt, 0, prompt.length));
        other.forward(prompt, 0, prompt.length);
        double[] extra = new double[tokens];
        int[] one = new int[1];
        for (int t = 0; t < tokens; t++) {
            one[0] = next;
            long localNanos = 0;
            long otherNanos = 0;
            LlamaModel.ComputeTimes localBefore = null;
            LlamaModel.ComputeTimes localAfter = null;
            RouteCounters before = null;
            RouteCounters after = null;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == (t % 2 == 0)) {
                    wakeAhead(model.pool());
                    localBefore = model.computeTimes();
                    long t0 = System.nanoTime();
                    float[] logits = local.forward(one, 0, 1);
                    localNanos = System.nanoTime() - t0;
                    localAfter = model.computeTimes();
                    next = argmax(logits); // not timed: the other side's token is not sampled either
                } else {
                    if (otherPool != null) {
                        wakeAhead(otherPool);
                    }
                    before = probe == null ? null : probe.read();
                    long t0 = System.nanoTime();
                    other.forward(one, 0, 1);
                    otherNanos = System.nanoTime() - t0;
                    after = probe == null ? null : probe.read();
                }
            }
            extra[t] = (otherNanos - localNanos) / 1e6 / hops;
            if (probe != null && after.route().steps() == before.route().steps() + 1) {
                long wall = after.route().wallNanos() - before.route().wallNanos();
                long computed = after.route().serverNanos() - before.route().serverNanos();
                double network = (wall - computed) / 1e6;
                double blocks = ((after.serverBlocksNanos() - before.serverBlocksNanos())
                        - (localAfter.blocksNanos() - localBefore.blocksNanos())) / 1e6;
                double head = ((after.clientHeadNanos() - before.clientHeadNanos())
                        - (localAfter.headNanos() - localBefore.headNanos())) / 1e6;
                double total = (otherNanos - localNanos) / 1e6;
                parts.add(new double[] {total, network, blocks, head, total - network - blocks - head, (total - blocks) / hops});
            }
        }
        return extra;
    }

    /**
     * Appends every lockstep difference (ms per hop) to the CSV file named by the system property
     * {@code mycel.bench.lockstepCsv}, if set, one line per token with the run's start and the
     * row's name: the rows' medians move between runs by more than within one, so conclusions
     * about a fraction of a millisecond pool several runs.
     */
    private static void appendLockstep(String[] names, double[][] perHop) throws java.io.IOException {
        String file = System.getProperty("mycel.bench.lockstepCsv");
        if (file == null) {
            return;
        }
        Path path = Path.of(file);
        StringBuilder csv = new StringBuilder();
        if (!java.nio.file.Files.exists(path)) {
            csv.append("run,setup,token,extra_ms_per_hop\n");
        }
        String run = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        for (int i = 0; i < names.length; i++) {
            for (int t = 0; t < perHop[i].length; t++) {
                csv.append(run).append(",\"").append(names[i]).append("\",").append(t).append(',')
                        .append(String.format(java.util.Locale.ROOT, "%.4f", perHop[i][t])).append('\n');
            }
        }
        java.nio.file.Files.writeString(path, csv, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * Has the single process's pool awake when its token starts, as it is in a generation of its
     * own, where each token follows the last within microseconds: in lockstep it idles while the
     * route works, and would pay a wake-up (about 130 µs here) that it never pays alone.
     */
    private static void wakeAhead(dev.mycel.tensor.ThreadPool pool) {
        pool.wake(1_000_000);
        long until = System.nanoTime() + 300_000;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static double quantile(double[] v, double q) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    /** Servers for consecutive spans of the model, their own DHT, and a client in it. */
    private record Route(int hops, DhtNode boot, BootstrapAddress join, AutoCloseable servers, DhtNode me,
                         InferenceClient client, InferenceClient grpcClient) implements AutoCloseable {
        /**
         * Servers in this JVM, and the clients, share the single process's weights (each with a
         * pool of its own), so that the routes and the single process differ only in their pools
         * and the network, and the benchmark holds one copy of the weights instead of five.
         */
        static Route start(LoadedModel whole, Path model, int hops, int threads, boolean processes) throws Exception {
            int layers = whole.config().layers();
            DhtNode boot = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null);
            boot.onEvent(e -> { });
            BootstrapAddress join = new BootstrapAddress(null, "127.0.0.1", boot.port());
            int[] cuts = new int[hops + 1];
            for (int i = 0; i <= hops; i++) {
                cuts[i] = layers * i / hops;
            }
            AutoCloseable servers = processes ? ServerProcesses.start(model, boot.port(), cuts, threads)
                    : InferenceBenchmark.start(whole, model, join, cuts, threads);
            DhtNode me = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null);
            me.onEvent(e -> { });
            me.bootstrap(List.of(join));
            LayerSpan ends = new LayerSpan(0, 0, true, true);
            InferenceClient client = new InferenceClient(NodeIdentity.generate(), me, model, whole.share(ends, threads),
                    NetLimits.defaults(), true);
            awaitServers(client, me, hops);
            InferenceClient grpc = new InferenceClient(NodeIdentity.generate(), me, model, whole.share(ends, threads),
                    NetLimits.defaults(), false);
            return new Route(hops, boot, join, servers, me, client, grpc);
        }

        /** The models the servers compute with, where they run in this JVM (null for server processes). */
        List<LlamaModel> serverModels() {
            return servers instanceof Servers s ? s.blocks().stream().map(b -> b.span(b.first(), b.end())).toList() : null;
        }

        Run generate(int[] prompt, GenerationOptions greedy) {
            return generate(client, prompt, greedy, true);
        }

        Run generateWithoutPushes(int[] prompt, GenerationOptions greedy) {
            return generate(client, prompt, greedy, false);
        }

        Run generateOverGrpc(int[] prompt, GenerationOptions greedy) {
            return generate(grpcClient, prompt, greedy, true);
        }

        private static Run generate(InferenceClient client, int[] prompt, GenerationOptions greedy, boolean pushes) {
            try (RemoteSequence seq = client.sequence(256, RemoteSequence.Options.defaults().withForwarding(pushes))) {
                GenerationResult r = new Generator(client.localModel(), client.tokenizer()).generate(seq, prompt, greedy, s -> { });
                return new Run(1000 / r.tokensPerSecond(), seq.routeTimes());
            }
        }

        @Override
        public void close() throws Exception {
            client.close();
            grpcClient.close();
            me.close();
            servers.close();
            boot.close();
        }
    }

    /** Waits until the client's DHT finds all {@code n} servers of the model. */
    static void awaitServers(InferenceClient client, DhtNode me, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (new dev.mycel.inference.DhtServerDirectory(me).servers(client.modelHash()).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the servers did not announce themselves within a minute");
            }
            Thread.sleep(200);
        }
    }

    /** Block servers as processes of their own ({@link InferenceBenchServer}), on the same class path. */
    private record ServerProcesses(List<Process> processes) implements AutoCloseable {
        static ServerProcesses start(Path model, int bootstrapPort, int[] cuts, int threads) throws Exception {
            ServerProcesses s = new ServerProcesses(new ArrayList<>());
            try {
                for (int i = 0; i + 1 < cuts.length; i++) {
                    List<String> cmd = new ArrayList<>(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                            "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0", "-XX:TrimNativeHeapInterval=2000",
                            // The pools' spin, when set for the benchmark, holds for its servers too.
                            "-Dmycel.pool.spinMicros=" + Long.getLong("mycel.pool.spinMicros", 50),
                            "-cp", System.getProperty("java.class.path"), InferenceBenchServer.class.getName(),
                            model.toString(), Integer.toString(cuts[i]), Integer.toString(cuts[i + 1]),
                            Integer.toString(threads), Integer.toString(bootstrapPort)));
                    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    s.processes.add(p);
                    String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
                    if (line == null || !line.startsWith("READY")) {
                        throw new IllegalStateException("a block server process did not start: " + line);
                    }
                }
                return s;
            } catch (Exception e) {
                s.close();
                throw e;
            }
        }

        @Override
        public void close() {
            for (Process p : processes) {
                try {
                    p.getOutputStream().close();
                    if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            }
        }
    }

    static double median(double[] v) {
        return quantile(v, 0.5);
    }

    static String range(double[] v) {
        double min = java.util.Arrays.stream(v).min().orElse(0);
        double max = java.util.Arrays.stream(v).max().orElse(0);
        return String.format("%.2f (%.2f-%.2f)", median(v), min, max);
    }

    record Servers(List<DhtNode> nodes, List<BlockService> services, List<ServedBlocks> blocks,
                           List<BlockServerNode> announcers, List<FrameServer> sockets) implements AutoCloseable {
        @Override
        public void close() {
            sockets.forEach(FrameServer::close);
            announcers.forEach(BlockServerNode::close);
            services.forEach(BlockService::close);
            nodes.forEach(DhtNode::close);
            blocks.forEach(ServedBlocks::close);
        }
    }

    static Servers start(Path model, BootstrapAddress join, int[] cuts, int threads) throws Exception {
        return start(null, model, join, cuts, threads);
    }

    /** As above; with {@code whole} not null, the servers share its weights instead of loading their own. */
    static Servers start(LoadedModel whole, Path model, BootstrapAddress join, int[] cuts, int threads) throws Exception {
        Servers s = new Servers(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        byte[] hash = dev.mycel.inference.ModelHash.of(model);
        for (int i = 0; i + 1 < cuts.length; i++) {
            ServedBlocks b = whole == null ? ServedBlocks.load(model, cuts[i], cuts[i + 1], threads)
                    : ServedBlocks.sharing(whole, hash, cuts[i], cuts[i + 1], threads);
            BlockService svc = new BlockService(b, ServerLimits.defaults());
            svc.measureSpeed();
            NodeIdentity id = NodeIdentity.generate();
            svc.signAs(id);
            s.sockets.add(svc.listen(new TlsContexts(id), new InetSocketAddress("127.0.0.1", 0), FrameLimits.defaults()));
            DhtNode n = DhtNode.start(DhtConfig.defaults(), id, null, List.of(svc));
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

    private static void concurrent(Path model, BootstrapAddress join, int layers, int tokens) throws Exception {
        // One thread per server, so that two servers can compute at once on two cores.
        GenerationOptions greedy = new GenerationOptions(tokens, GenerationOptions.greedy(tokens).sampler(), List.of(), true);
        try (Servers servers = start(model, join, new int[] {0, layers / 2, layers}, 1);
             DhtNode me = DhtNode.start(DhtConfig.defaults(), NodeIdentity.generate(), null)) {
            me.onEvent(e -> { });
            me.bootstrap(List.of(join));
            for (boolean frames : new boolean[] {true, false}) {
                try (InferenceClient client = new InferenceClient(NodeIdentity.generate(), me, model, 1, NetLimits.defaults(),
                        frames)) {
                    int[] prompt = client.tokenizer().encode(PROMPT, true, false);
                    double one = 0;
                    for (int rep = 0; rep < 2; rep++) {
                        one = sessions(client, prompt, greedy, 1);
                    }
                    int sessions = 8;
                    double aggregate = sessions(client, prompt, greedy, sessions);
                    String wire = frames ? "frame socket" : "gRPC stream";
                    System.out.printf("| 1 session, 2 servers (1 thread each), %s | %.2f tok/s |%n", wire, one);
                    System.out.printf("| %d concurrent sessions, 2 servers (1 thread each), %s | %.2f tok/s aggregate (%.2fx) |%n",
                            sessions, wire, aggregate, aggregate / one);
                }
            }
        }
    }

    /** Aggregate tokens per second of {@code n} sequences generating at once. */
    private static double sessions(InferenceClient client, int[] prompt, GenerationOptions greedy, int n) throws Exception {
        long t0 = System.nanoTime();
        int total = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
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
        return total / ((System.nanoTime() - t0) / 1e9);
    }
}
