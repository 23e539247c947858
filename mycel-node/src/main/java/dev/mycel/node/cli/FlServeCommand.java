package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.mycel.federated.client.ParameterVector;
import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.privacy.NoiseCalibration;
import dev.mycel.federated.proto.EndCall;
import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.round.CoordinatorGrpcService;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FederatedRun;
import dev.mycel.federated.round.Hashes;
import dev.mycel.federated.round.RemoteFederatedClient;
import dev.mycel.federated.round.RoundOutcome;
import dev.mycel.federated.round.SecureAggregation;
import dev.mycel.federated.round.Traffic;
import dev.mycel.federated.round.RunDirectory;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.federated.sim.Strategies;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.federated.strategy.Strategy;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.run.MnistEvaluation;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel fl serve}: coordinate a federated run of the MNIST CNN among nodes that join it. */
@Command(name = "serve", header = "Coordinate a federated run among nodes that join it.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Listens for client nodes (mycel fl join --coordinator HOST:PORT), waits for `clients` of them, then runs the rounds: each picked node trains the MNIST CNN on its own data and returns a signed update; the coordinator aggregates, evaluates the global model on the held-out bundled digits and signs a round record. The run file (TOML) says:",
            "  run = \"mnist-1\"  rounds = 10  strategy = \"fedavg\"  clients = 3",
            "  fraction = 1.0  min_clients = 1  join_timeout = 300  deadline = 600",
            "  local_epochs = 1  batch = 32  lr = 0.02  seed = 1  listen = \"127.0.0.1:0\"",
            "Client-level differential privacy (DP-FedAvg, clients Poisson-sampled with probability",
            "`fraction`, the coordinator clipping and adding noise calibrated to spend `epsilon` over",
            "the rounds; the run stops before exceeding it):",
            "  dp = \"client\"  epsilon = 8.0  delta = 1e-5  clip = 1.0  accountant = \"rdp\"  adaptive_clip = false",
            "(under dp the clients are sampled with a secret seed drawn by the coordinator, not `seed`)",
            "Secure aggregation (SecAgg+; the coordinator learns only the sum of the clients' clipped,",
            "weighted updates; mean-based strategies only; with dp = \"client\" the clients clip to `clip`):",
            "  secagg = true  secagg_clip = 10.0",
            "Every key is optional; unknown keys are refused. batch = 0 trains on each client's whole data as one batch",
            "(with local_epochs = 1: FedSGD).",
            "Writes to --out: rounds.jsonl, metrics.csv (round, clients, refused, accuracy, loss, epsilon (empty without",
            "dp), seconds: one line as each round ends) and the charts accuracy.png, loss.png and, with dp, epsilon.png.",
            "With --json the last line is the result, with epsilon and delta (null without dp)."
        })
final class FlServeCommand implements Callable<Integer> {
    private static final Set<String> KEYS = Set.of("run", "rounds", "strategy", "clients", "fraction", "min_clients",
            "join_timeout", "deadline", "local_epochs", "batch", "lr", "seed", "listen", "dp", "epsilon", "delta", "clip",
            "accountant", "adaptive_clip", "secagg", "secagg_clip");

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "The run file (TOML).")
    Path config;

    @Option(names = "--node-dir", paramLabel = "DIR", description = "This node's data folder, for its key (default: $MYCEL_HOME, else ~/.mycel).")
    Path nodeDir;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the round records (default: fl-serve).")
    Path out;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads for evaluation (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print JSON lines: where it listens, one per round, the result last.")
    boolean json;

    @Option(names = "--dht", description = "Announce the run in the DHT, so that nodes join by its name (fl join --run).")
    boolean dht;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "A DHT node to join the network through (implies --dht; repeatable).")
    List<String> bootstrap;

    @Override
    public Integer call() throws Exception {
        JsonNode c;
        try {
            c = new TomlMapper().readTree(config.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new UserException(config + " is not valid TOML: " + e.getOriginalMessage());
        }
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new UserException(config + ": unknown key '" + k + "'; the keys are " + new java.util.TreeSet<>(KEYS));
            }
        }
        String runId = c.path("run").asText("mnist-run");
        int rounds = c.path("rounds").asInt(10);
        int wanted = c.path("clients").asInt(2);
        String strategySpec = c.path("strategy").asText("fedavg");
        LocalTraining local = new LocalTraining(c.path("local_epochs").asInt(1), c.path("batch").asInt(32), c.path("lr").asDouble(0.02));
        Strategy strategy = Strategies.parse(strategySpec, local, 0);
        String listen = c.path("listen").asText("127.0.0.1:0");
        int colon = listen.lastIndexOf(':');
        if (colon < 1) {
            throw new UserException(config + ": listen must be HOST:PORT, not '" + listen + "'");
        }
        Duration deadline = Duration.ofMillis((long) (c.path("deadline").asDouble(600) * 1000));
        double fraction = c.path("fraction").asDouble(1.0);
        ClientLevelDp dp = null;
        if (c.has("dp")) {
            if (!c.path("dp").asText().equals("client")) {
                throw new UserException(config + ": dp must be \"client\" (the coordinator clips and adds the noise), not "
                        + c.path("dp"));
            }
            if (!c.has("epsilon")) {
                throw new UserException(config + ": dp = \"client\" needs epsilon (the privacy budget)");
            }
            double delta = c.path("delta").asDouble(1e-5);
            String accountant = c.path("accountant").asText("rdp");
            double sigma = NoiseCalibration.noiseMultiplier(c.path("epsilon").asDouble(), delta, fraction, rounds, accountant);
            ClientLevelDp.AdaptiveClipping adaptive = c.path("adaptive_clip").asBoolean(false)
                    ? new ClientLevelDp.AdaptiveClipping(0.5, 0.2, Math.max(1, fraction * wanted) / 20) : null;
            dp = new ClientLevelDp(ClientLevelDp.Mode.COORDINATOR, sigma, c.path("clip").asDouble(1.0), delta,
                    c.path("epsilon").asDouble(), accountant, adaptive);
        } else if (c.has("epsilon") || c.has("delta") || c.has("clip") || c.has("accountant") || c.has("adaptive_clip")) {
            throw new UserException(config + ": epsilon, delta, clip, accountant and adaptive_clip go with dp = \"client\"");
        }
        boolean secagg = c.path("secagg").asBoolean(false);
        if (!secagg && c.has("secagg_clip")) {
            throw new UserException(config + ": secagg_clip goes with secagg = true");
        }
        if (secagg && !strategy.aggregatesWeightedMean()) {
            throw new UserException(config + ": " + strategy.name() + " looks at each client's update, which secure aggregation"
                    + " hides; with secagg = true use fedavg, fedavgm, fedprox, fedadagrad, fedadam or fedyogi");
        }
        NodeIdentity identity = NodeIdentity.loadOrCreate(nodeDir != null ? nodeDir : NodeConfig.defaultDataDir());
        Path dir = out != null ? out : Path.of("fl-serve");
        Files.createDirectories(dir);
        PrintStream stdout = System.out;
        NetLimits limits = NetLimits.defaults();
        CoordinatorGrpcService door = new CoordinatorGrpcService(runId, identity.peerId(), rounds, 10_000);
        int k = threads != null ? threads : Defaults.threads();
        boolean announce = dht || bootstrap != null;
        String host = listen.substring(0, colon);
        int port = Integer.parseInt(listen.substring(colon + 1));
        try (AutoCloseable server = announce
                     ? RunDirectory.startNode(identity, host, port, limits, door)
                     : NetServer.start(identity, new TlsContexts(identity), new InetSocketAddress(host, port), limits,
                             List.of(door), null);
             PeerChannels channels = new PeerChannels(new TlsContexts(identity), limits, 10_000);
             ThreadPool pool = new ThreadPool(k);
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
             Writer records = Files.newBufferedWriter(dir.resolve("rounds.jsonl"), StandardCharsets.UTF_8);
             RoundMetrics metrics = new RoundMetrics(dir, "federated MNIST CNN, " + strategySpec)) {
            int boundPort = server instanceof DhtNode d ? d.port() : ((NetServer) server).port();
            String where = host + ":" + boundPort;
            if (server instanceof DhtNode node) {
                if (bootstrap != null) {
                    bootstrapOrFail(node, bootstrap);
                }
                RunDirectory.announce(node, runId);
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("listening", where);
                o.put("coordinator", identity.peerId().toString());
                o.put("run", runId);
                stdout.println(Json.write(o));
            } else {
                System.err.printf("coordinator %s listening on %s: waiting for %d clients (mycel fl join --coordinator %s)%n",
                        identity.peerId(), where, wanted, where);
            }
            List<CoordinatorGrpcService.Member> members = door.awaitMembers(wanted,
                    Duration.ofMillis((long) (c.path("join_timeout").asDouble(300) * 1000)));
            if (members.isEmpty()) {
                throw new UserException("no client joined run " + runId + " in time");
            }
            List<FederatedClient> clients = new ArrayList<>();
            Traffic traffic = new Traffic();
            long mostExamples = 1;
            for (CoordinatorGrpcService.Member m : members) {
                clients.add(new RemoteFederatedClient(m.peer(), m.host(), m.port(), channels, deadline, traffic));
                mostExamples = Math.max(mostExamples, m.examples());
            }
            // Under secure aggregation a client weighs min(n, W) / W, W the largest count a member announced.
            FederatedRun.Settings settings = new FederatedRun.Settings(runId, rounds, fraction, dp != null,
                    c.path("min_clients").asInt(1), deadline, samplingSeed(c, dp), 1e6, dp,
                    secagg ? new SecureAggregation(c.path("secagg_clip").asDouble(10.0), mostExamples) : null);
            Mnist data = Mnist.bundled();
            MnistCnn model = new MnistCnn(c.path("seed").asLong(1), 0.25f);
            float[] initial = ParameterVector.of(model.parameters());
            long started = System.nanoTime();
            int[] done = {0};
            double[] spent = {Double.NaN};
            float[] result = new FederatedRun(settings, strategy, clients, identity, executor, new SecureRandom())
                    .run(initial, w -> {
                        ParameterVector.load(w, model.parameters());
                        return MnistEvaluation.evaluate(pool, model, data, 8000, data.size() - 8000);
                    }, (RoundOutcome o) -> {
                        done[0] = o.record().round();
                        spent[0] = o.epsilon();
                        try {
                            records.write(Json.write(roundLine(o)) + "\n");
                            records.flush();
                            metrics.round(o.record().round(), o.inputs().size(), o.record().refused().size(), o.accuracy(),
                                    o.loss(), o.epsilon(), o.seconds());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        if (json) {
                            stdout.println(Json.write(roundLine(o)));
                        } else {
                            System.err.printf(Locale.ROOT, "round %d: %d updates, %d refused, held-out accuracy %.2f%%%n",
                                    o.record().round(), o.record().inputs().size(), o.record().refused().size(), 100 * o.accuracy());
                        }
                    });
            for (CoordinatorGrpcService.Member m : members) {
                try {
                    FederatedGrpc.newBlockingStub(channels.channel(m.peer(), m.host(), m.port()))
                            .withDeadlineAfter(10, TimeUnit.SECONDS).end(EndCall.newBuilder().setRunId(runId).build());
                } catch (io.grpc.StatusRuntimeException e) {
                    System.err.println("could not tell " + m.peer() + " that the run ended: " + e.getStatus());
                }
            }
            ParameterVector.load(result, model.parameters());
            double[] eval = MnistEvaluation.evaluate(pool, model, data, 8000, data.size() - 8000);
            double seconds = (System.nanoTime() - started) / 1e9;
            metrics.charts();
            if (json) {
                ObjectNode o = Json.object();
                o.put("rounds", done[0]);
                o.put("clients", members.size());
                o.put("accuracy", eval[1]);
                o.put("loss", eval[0]);
                if (dp == null || Double.isNaN(spent[0])) {
                    o.putNull("epsilon");
                } else {
                    o.put("epsilon", spent[0]);
                }
                if (dp == null) {
                    o.putNull("delta");
                } else {
                    o.put("delta", dp.delta());
                }
                o.put("model_sha256", FederatedRun.sha256(result));
                o.put("bytes_up", traffic.bytesUp());
                o.put("bytes_down", traffic.bytesDown());
                o.put("secagg", secagg);
                o.put("seconds", seconds);
                stdout.println(Json.write(o));
            } else {
                stdout.printf(Locale.ROOT, "%d rounds with %d clients: held-out accuracy %.2f%%, %.1f s%nmodel_sha256 %s%n",
                        done[0], members.size(), 100 * eval[1], seconds, FederatedRun.sha256(result));
            }
            return 0;
        }
    }

    /**
     * The seed of the client sampling: the run's seed, except under DP, where the privacy
     * amplification of Poisson sampling assumes nobody can predict who is picked, so the
     * coordinator draws it from a SecureRandom (the model's initialisation keeps the run's seed).
     */
    static long samplingSeed(JsonNode c, ClientLevelDp dp) {
        return dp == null ? c.path("seed").asLong(1) : new SecureRandom().nextLong();
    }

    static void bootstrapOrFail(DhtNode node, List<String> addresses) throws InterruptedException {
        try {
            RunDirectory.bootstrap(node, addresses);
        } catch (IllegalStateException e) {
            throw new UserException(e.getMessage());
        }
    }

    private static ObjectNode roundLine(RoundOutcome o) {
        ObjectNode line = Json.object();
        line.put("round", o.record().round());
        line.put("clients", o.record().inputs().size());
        line.put("refused", o.record().refused().size());
        line.put("applied", o.record().applied());
        line.put("accuracy", o.accuracy());
        line.put("loss", o.loss());
        if (!Double.isNaN(o.epsilon())) {
            line.put("epsilon", o.epsilon());
        }
        line.put("model_sha256", Hashes.hex(o.record().modelSha256()));
        if (o.record().secureSha256().length > 0) {
            line.put("secure_transcript_sha256", Hashes.hex(o.record().secureSha256()));
        }
        line.put("record_signature", Hashes.hex(o.record().signature()));
        return line;
    }
}
