package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.federated.client.LocalMnistClient;
import dev.mycel.federated.proto.FederatedCoordinatorGrpc;
import dev.mycel.federated.proto.JoinCall;
import dev.mycel.federated.proto.JoinReply;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.round.FederatedGrpcService;
import dev.mycel.federated.round.RunDirectory;
import dev.mycel.federated.sim.FederatedSimulation;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel fl join}: train for a coordinator's run on this node's own data. */
@Command(name = "join", header = "Join a federated run and train on this node's own data.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Joins the run a coordinator serves (mycel fl serve; found by address, or by the run's name in the DHT with --run and --bootstrap), then trains the MNIST CNN on this node's digits whenever the coordinator picks it, sending back signed updates; the digits never leave this machine. Only the coordinator it joined may call it. Exits when the run ends. Data: --data DIR (images-idx3-ubyte[.gz] and labels-idx1-ubyte[.gz]), or, for trying it out, --digits FROM:TO (a slice of the bundled training digits, 0..7999) or --shard I/N (client I's share of those digits as fl simulate deals them to N clients; fl simulate --processes starts its clients so)."
        })
final class FlJoinCommand implements Callable<Integer> {
    @Option(names = "--coordinator", paramLabel = "HOST:PORT", description = "Where the coordinator listens (or find it with --run).")
    String coordinator;

    @Option(names = "--run", paramLabel = "RUN", description = "Find the run's coordinator in the DHT by the run's name (with --bootstrap).")
    String run;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "A DHT node to join the network through (with --run; repeatable).")
    List<String> bootstrap;

    @Option(names = "--coordinator-id", paramLabel = "ID", description = "The coordinator's node id, to refuse any other (default: the one it answers with).")
    String coordinatorId;

    @Option(names = "--data", paramLabel = "DIR", description = "This node's MNIST-format training data.")
    Path data;

    @Option(names = "--digits", paramLabel = "FROM:TO", description = "A slice of the bundled training digits instead of --data.")
    String digits;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "Client I's share (from 0) of the bundled training digits dealt to N clients as fl simulate deals them, instead of --data.")
    String shard;

    @Option(names = "--partition", paramLabel = "KIND",
            description = "With --shard: how the digits are dealt: iid, dirichlet:ALPHA or shards:K (default: iid).")
    String partition;

    @Option(names = "--partition-seed", paramLabel = "S", description = "With --shard: the seed of the dealing, fl simulate's --seed (default: 1).")
    Long partitionSeed;

    /** Set by fl simulate --processes: a client it started does not outlive it, even when it is killed. */
    @Option(names = "--watch-parent", hidden = true)
    boolean watchParent;

    /**
     * For tests and devnets: "hang-after-sharing:R" makes this node stop answering once it has
     * shared its keys in secure round R (its masking call never returns), so that a test can kill
     * it at exactly the point where its neighbours' shares must recover its masks.
     */
    @Option(names = "--fault", hidden = true)
    String fault;

    @Option(names = "--node-dir", paramLabel = "DIR", description = "This node's data folder, for its key (default: $MYCEL_HOME, else ~/.mycel).")
    Path nodeDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0", description = "Where to serve the coordinator (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads for training (default: all cores).")
    Integer threads;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the order of local examples and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object when joined and one when the run ends.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((data != null ? 1 : 0) + (digits != null ? 1 : 0) + (shard != null ? 1 : 0) != 1) {
            throw new UserException("give exactly one of --data DIR, --digits FROM:TO and --shard I/N", true);
        }
        if (shard == null && (partition != null || partitionSeed != null)) {
            throw new UserException("--partition and --partition-seed go with --shard I/N", true);
        }
        if (watchParent) {
            // A parent killed with SIGKILL cannot end its children: they notice it went and leave.
            ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
                System.err.println("mycel: the process that started this node (pid " + p.pid() + ") ended; leaving the run");
                System.exit(1);
            }));
        }
        Mnist mine = data != null ? Mnist.load(data) : digits != null ? bundledSlice(digits) : bundledShard(shard);
        NodeIdentity identity = NodeIdentity.loadOrCreate(nodeDir != null ? nodeDir : NodeConfig.defaultDataDir());
        if ((coordinator == null) == (run == null)) {
            throw new UserException("give --coordinator HOST:PORT, or --run NAME with --bootstrap HOST:PORT", true);
        }
        if (run != null && bootstrap == null) {
            throw new UserException("--run finds the coordinator in the DHT: give --bootstrap HOST:PORT too", true);
        }
        String[] here = hostPort(listen, "--listen");
        PrintStream stdout = System.out;
        int k = threads != null ? threads : Defaults.threads();
        NetLimits limits = NetLimits.defaults();
        AtomicInteger rounds = new AtomicInteger();
        int hangRound = -1;
        if (fault != null) {
            if (!fault.matches("hang-after-sharing:\\d+")) {
                throw new UserException("--fault takes hang-after-sharing:ROUND, not '" + fault + "'", true);
            }
            hangRound = Integer.parseInt(fault.substring(fault.indexOf(':') + 1));
        }
        int hang = hangRound;
        try (ThreadPool pool = new ThreadPool(k);
             PeerChannels channels = new PeerChannels(new TlsContexts(identity), limits, 4)) {
            LocalMnistClient local = new LocalMnistClient(identity, pool, mine, seed);
            FederatedClient counting = new FederatedClient() {
                @Override
                public String id() {
                    return local.id();
                }

                @Override
                public SignedUpdate fit(FitRequest request) {
                    long started = System.nanoTime();
                    if (!json) {
                        System.err.printf("round %d of run %s: training on %d digits%n", request.round(), request.runId(),
                                local.examples());
                    }
                    SignedUpdate s = local.fit(request);
                    rounds.incrementAndGet();
                    if (!json) {
                        System.err.printf(java.util.Locale.ROOT, "round %d of run %s: trained in %.1f s, sending the signed update%n",
                                request.round(), request.runId(), (System.nanoTime() - started) / 1e9);
                    }
                    return s;
                }

                // Secure aggregation: the same training, then three more exchanges; the update
                // leaves this node only masked.
                @Override
                public SignedKeys secureFit(SecureFitRequest request) {
                    FitRequest fit = request.fit();
                    long started = System.nanoTime();
                    if (!json) {
                        System.err.printf("round %d of run %s: training on %d digits (secure aggregation, %d clients)%n", fit.round(),
                                fit.runId(), local.examples(), request.setup().participants().size());
                    }
                    SignedKeys keys = local.secureFit(request);
                    rounds.incrementAndGet();
                    if (!json) {
                        System.err.printf(java.util.Locale.ROOT, "round %d of run %s: trained in %.1f s, sending signed keys%n",
                                fit.round(), fit.runId(), (System.nanoTime() - started) / 1e9);
                    }
                    return keys;
                }

                @Override
                public ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) {
                    return local.shareKeys(runId, round, neighbourKeys);
                }

                @Override
                public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) {
                    if (hang == round) {
                        System.err.printf("round %d of run %s: hanging after sharing keys (--fault)%n", round, runId);
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IllegalStateException("interrupted while hanging (--fault)");
                    }
                    if (!json) {
                        System.err.printf("round %d of run %s: masking the update with %d neighbours' shares%n", round, runId,
                                shares.shares().size());
                    }
                    SignedMaskedInput masked = local.maskedInput(runId, round, shares);
                    if (!json) {
                        System.err.printf("round %d of run %s: sent the masked update%n", round, runId);
                    }
                    return masked;
                }

                @Override
                public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) {
                    return local.unmask(runId, round, request);
                }
            };
            PeerId pinned = coordinatorId != null ? PeerId.parse(coordinatorId) : null;
            FederatedGrpcService service = new FederatedGrpcService(counting, pinned);
            int listenPort = Integer.parseInt(here[1]);
            try (AutoCloseable server = run != null
                    ? RunDirectory.startNode(identity, here[0], listenPort, limits, service)
                    : NetServer.start(identity, new TlsContexts(identity), new InetSocketAddress(here[0], listenPort), limits,
                            List.of(service), null)) {
                int myPort = server instanceof DhtNode d ? d.port() : ((NetServer) server).port();
                String[] at;
                if (server instanceof DhtNode node) {
                    FlServeCommand.bootstrapOrFail(node, bootstrap);
                    RunDirectory.Coordinator found = findCoordinator(node, pinned);
                    pinned = found.peer();
                    at = new String[] {found.host(), Integer.toString(found.port())};
                } else {
                    at = hostPort(coordinator, "--coordinator");
                }
                JoinReply reply;
                try {
                    reply = FederatedCoordinatorGrpc.newBlockingStub(channels.channel(pinned, at[0], Integer.parseInt(at[1])))
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .join(JoinCall.newBuilder().setPort(myPort).setExamples(local.examples()).build());
                } catch (io.grpc.StatusRuntimeException e) {
                    throw new UserException("could not join the run at " + at[0] + ":" + at[1] + ": " + e.getStatus().getCode()
                            + (e.getStatus().getDescription() != null ? " (" + e.getStatus().getDescription() + ")" : ""));
                }
                service.follow(PeerId.parse(reply.getCoordinatorId()));
                if (json) {
                    ObjectNode o = Json.object();
                    o.put("joined", reply.getRunId());
                    o.put("node", identity.peerId().toString());
                    o.put("coordinator", reply.getCoordinatorId());
                    o.put("examples", local.examples());
                    stdout.println(Json.write(o));
                } else {
                    System.err.printf("joined run %s of coordinator %s as %s with %d digits%n", reply.getRunId(),
                            reply.getCoordinatorId(), identity.peerId(), local.examples());
                }
                if (!service.awaitEnd(Duration.ofDays(7))) {
                    throw new UserException("the run never ended");
                }
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("ended", true);
                o.put("rounds_trained", rounds.get());
                stdout.println(Json.write(o));
            } else {
                stdout.printf("the run ended; this node trained in %d rounds%n", rounds.get());
            }
            return 0;
        }
    }

    /** The run's coordinator from the DHT, looked up again for up to 30 s while its announcement spreads. */
    private RunDirectory.Coordinator findCoordinator(DhtNode node, PeerId pinned) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return RunDirectory.find(node, run, pinned);
            } catch (IllegalStateException e) {
                if (System.nanoTime() > until || e.getMessage().contains("--coordinator-id")) {
                    throw new UserException(e.getMessage());
                }
                Thread.sleep(500);
            }
        }
    }

    private static Mnist bundledSlice(String spec) {
        String[] p = spec.split(":");
        int from;
        int to;
        try {
            from = Integer.parseInt(p[0]);
            to = Integer.parseInt(p[1]);
        } catch (RuntimeException e) {
            throw new UserException("--digits takes FROM:TO, e.g. 0:800, not '" + spec + "'", true);
        }
        if (p.length != 2 || from < 0 || to > 8000 || from >= to) {
            throw new UserException("--digits must be a range within 0:8000 (the training digits), not '" + spec + "'", true);
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return Mnist.bundled().select(idx);
    }

    private Mnist bundledShard(String spec) {
        int slash = spec.indexOf('/');
        int i;
        int n;
        try {
            i = Integer.parseInt(spec.substring(0, slash));
            n = Integer.parseInt(spec.substring(slash + 1));
        } catch (RuntimeException e) {
            throw new UserException("--shard takes I/N (client I of N, from 0), e.g. 3/10, not '" + spec + "'", true);
        }
        if (n < 1 || n > FederatedSimulation.TRAIN_COUNT || i < 0 || i >= n) {
            throw new UserException("--shard I/N needs 0 <= I < N <= " + FederatedSimulation.TRAIN_COUNT + ", not '" + spec + "'", true);
        }
        return FederatedSimulation.clientDigits(Mnist.bundled(), partition != null ? partition : "iid", n, i,
                partitionSeed != null ? partitionSeed : 1);
    }

    private static String[] hostPort(String s, String option) {
        int c = s.lastIndexOf(':');
        if (c < 1) {
            throw new UserException(option + " must be HOST:PORT, not '" + s + "'", true);
        }
        try {
            Integer.parseInt(s.substring(c + 1));
        } catch (NumberFormatException e) {
            throw new UserException(option + " must be HOST:PORT, not '" + s + "'", true);
        }
        return new String[] {s.substring(0, c), s.substring(c + 1)};
    }
}
