package dev.mycel.federated.sim;

import dev.mycel.federated.attack.Attacks;
import dev.mycel.federated.client.ModelAverage;
import dev.mycel.federated.client.ParameterVector;
import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.privacy.DpSgdSettings;
import dev.mycel.federated.privacy.NoiseCalibration;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FederatedGrpcService;
import dev.mycel.federated.round.FederatedRun;
import dev.mycel.federated.round.RemoteFederatedClient;
import dev.mycel.federated.round.RoundAudit;
import dev.mycel.federated.round.RoundOutcome;
import dev.mycel.federated.round.SecureAggregation;
import dev.mycel.federated.round.Traffic;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.federated.strategy.Strategy;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.Partitioners;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.run.MnistEvaluation;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;

/**
 * {@code mycel fl simulate}: a federated run of the MNIST CNN over simulated clients in this JVM.
 * The first 8,000 digits are dealt to the clients (IID, Dirichlet label skew or McMahan's
 * shards); the last 2,000 stay with the coordinator to evaluate the global model after each
 * round. Every client has its own node key and signs its updates; drop-outs, Byzantine
 * clients and differential privacy are options. After each round a participant's audit
 * recomputes the aggregate from the signed inputs and checks the round record's hashes.
 */
public final class FederatedSimulation {
    public static final int TRAIN_COUNT = 8000;

    /** What to simulate; see the command's help for each option. */
    public record Options(int clients, double fraction, int rounds, String strategy, String partition, int localEpochs,
                          int batch, double lr, String dp, double epsilon, double delta, double clipNorm,
                          String accountant, double dropout, double byzantineFraction, String attack, long seed,
                          int minClients, Duration deadline, boolean adaptiveClip, String transport, double targetAccuracy) {
        /** No target accuracy: the run goes on for all its rounds. */
        public static final double NO_TARGET = Double.NaN;

        public Options {
            if (!Double.isNaN(targetAccuracy) && !(targetAccuracy > 0 && targetAccuracy <= 1)) {
                throw new IllegalArgumentException("--target-accuracy must be in (0, 1], not " + targetAccuracy);
            }
            if (batch < 0) {
                throw new IllegalArgumentException("--batch must be at least 1, or 0 for the whole local data set (FedSGD), not "
                        + batch);
            }
            if (clients < 1 || clients > TRAIN_COUNT) {
                throw new IllegalArgumentException("--clients must be between 1 and " + TRAIN_COUNT + ", not " + clients);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("--dropout must be in [0, 1), not " + dropout);
            }
            if (!(byzantineFraction >= 0 && byzantineFraction < 1)) {
                throw new IllegalArgumentException("the Byzantine fraction must be in [0, 1), not " + byzantineFraction);
            }
            if (!List.of("none", "client", "client-side", "example", "distributed").contains(dp)) {
                throw new IllegalArgumentException("--dp must be client, client-side, example or distributed, not " + dp);
            }
            if (dp.equals("distributed")) {
                if (batch < 1 || batch >= TRAIN_COUNT / clients) {
                    throw new IllegalArgumentException("--dp distributed samples each digit with probability --batch / (digits per"
                            + " client): --batch must be between 1 and " + (TRAIN_COUNT / clients - 1) + ", not " + batch);
                }
                if (byzantineFraction > 0) {
                    throw new IllegalArgumentException("--dp distributed hides every update in a secure sum: it cannot be"
                            + " combined with --byzantine (robust rules need to see each update)");
                }
            }
            if (!transport.equals("network") && !transport.equals("memory")) {
                throw new IllegalArgumentException("--transport must be network or memory, not " + transport);
            }
            if (adaptiveClip && !dp.equals("client")) {
                throw new IllegalArgumentException("--adaptive-clip goes with --dp client (the coordinator clips)");
            }
        }
    }

    /** A round as the simulation reports it: the outcome, whether the audit passed, and the worst client ε. */
    public record Round(RoundOutcome outcome, List<String> auditProblems, double clientEpsilon) {
    }

    /** Told as the simulation goes. */
    public interface Listener {
        default void started(double noiseMultiplier, int byzantineClients) {
        }

        default void roundStarted(int round, List<String> picked) {
        }

        void round(Round round);

        default void budgetStop(int round, double epsilonIfRun) {
        }
    }

    /**
     * The end of a run. {@code targetRound} is the first round whose held-out accuracy reached the
     * target (the run's last), or 0 when there was no target or it was not reached; {@code
     * bytesUp} and {@code bytesDown} are -1 when nothing crossed a network (memory transport).
     */
    public record Result(float[] model, int rounds, double loss, double accuracy, double epsilon, String modelSha256,
                         double seconds, boolean budgetStopped, int targetRound, long bytesUp, long bytesDown) {
    }

    private final Options o;
    private double secureClip = Double.NaN;
    private double averageDecay = 0;

    public FederatedSimulation(Options options) {
        this.o = options;
    }

    /**
     * Evaluates and returns an exponential moving average of the global models (decay {@code
     * decay}, see {@link ModelAverage}) instead of the last one: post-processing of published
     * models, so free under DP. The round records still hash each round's global model.
     */
    public FederatedSimulation withModelAverage(double decay) {
        new ModelAverage(decay);
        this.averageDecay = decay;
        return this;
    }

    /**
     * Runs every round with secure aggregation: each client clips its update to {@code clipNorm}
     * (under client-level DP, to the DP clipping norm), quantises and masks it, and the
     * coordinator sees only the sum of the survivors' updates.
     */
    public FederatedSimulation withSecureAggregation(double clipNorm) {
        new SecureAggregation(clipNorm, 1);
        this.secureClip = clipNorm;
        return this;
    }

    public Result run(ThreadPool pool, Mnist data, Listener listener) throws InterruptedException {
        return run(pool, data, null, listener);
    }

    /**
     * The run with its clients in {@code fleet} (each a process of its own: {@code fl simulate
     * --processes}) instead of this JVM; null keeps them here, as {@link #run(ThreadPool, Mnist, Listener)} does.
     */
    public Result run(ThreadPool pool, Mnist data, ClientFleet fleet, Listener listener) throws InterruptedException {
        long started = System.nanoTime();
        Mnist train = trainingDigits(data);
        int[][] parts = partition(train, o.partition(), o.clients(), o.seed());
        int largest = 1;
        for (int[] part : parts) {
            largest = Math.max(largest, part.length);
        }
        if (!Double.isNaN(secureClip)) {
            // Clients weigh min(n, W) / W with W the largest share, so weights stay in (0, 1].
            secureAggregation = new SecureAggregation(secureClip, largest);
        }
        LocalTraining local = new LocalTraining(o.localEpochs(), o.batch(), o.lr());
        boolean distributed = o.dp().equals("distributed");
        if (distributed && Double.isNaN(secureClip)) {
            throw new IllegalArgumentException("--dp distributed has each client add only a share of the noise, which keeps the"
                    + " digits private only inside a secure sum: add --secagg");
        }
        double expected = o.fraction() * o.clients();
        int byzantine = (int) Math.round(o.byzantineFraction() * o.clients());
        int f = (int) Math.ceil(o.byzantineFraction() * expected);
        String spec = o.strategy();
        Strategy strategy = Strategies.parse(spec, local, f);
        RandomGenerator secure = new SecureRandom();
        ClientLevelDp clientDp = null;
        double sigma = Double.NaN;
        boolean clientLevel = o.dp().equals("client") || o.dp().equals("client-side");
        if (clientLevel) {
            sigma = NoiseCalibration.noiseMultiplier(o.epsilon(), o.delta(), o.fraction(), o.rounds(), o.accountant());
            // Andrew et al.'s settings: the median as target, rate 0.2, count noise m / 20.
            ClientLevelDp.AdaptiveClipping adaptive = o.adaptiveClip()
                    ? new ClientLevelDp.AdaptiveClipping(0.5, 0.2, Math.max(1, expected) / 20) : null;
            clientDp = new ClientLevelDp(o.dp().equals("client") ? ClientLevelDp.Mode.COORDINATOR : ClientLevelDp.Mode.CLIENT,
                    sigma, o.clipNorm(), o.delta(), o.epsilon(), o.accountant(), adaptive);
        }
        List<NodeIdentity> identities = new ArrayList<>();
        for (int i = 0; i < o.clients(); i++) {
            identities.add(simulatedIdentity(o.seed(), i));
        }
        Set<String> attackers = new HashSet<>();
        for (int i = 0; i < byzantine; i++) {
            attackers.add(identities.get(i).peerId().toString());
        }
        Coalition coalition = byzantine == 0 ? null : new Coalition(Attacks.parse(o.attack(), o.seed()), attackers);
        List<SimulatedClient> sims = new ArrayList<>();
        // DP-SGD's noise is calibrated for the rounds a client is likely to be picked in (a
        // quantile of Binomial(rounds, m / n), see ParticipationBound), not for every round;
        // a client refuses to train once its own budget is spent.
        int perRound = Math.max(1, (int) Math.round(o.fraction() * o.clients()));
        int participation = ParticipationBound.rounds(o.rounds(), (double) perRound / o.clients(),
                ParticipationBound.QUANTILE);
        // Clients with the same sampling rate share one noise calibration and one budget search.
        java.util.Map<Double, DpSgd> calibrated = new java.util.HashMap<>();
        // Distributed DP-SGD: one step a round, each digit in with probability q = B / (digits per
        // client), the same q and σ for every client so that their shares of the noise add up.
        double distributedRate = (double) o.batch() * o.clients() / TRAIN_COUNT;
        DpSgd distributedFirst = null;
        if (distributed) {
            DpSgdSettings s = DpSgdSettings.calibrated(o.epsilon(), o.delta(), distributedRate, participation, o.clipNorm(),
                    o.accountant());
            distributedFirst = new DpSgd(s, distributedRate, secure);
            sigma = s.noiseMultiplier();
            int shares = noiseShares(expected);
            // No clipping after the fact: S bounds the norm of the largest client's clipped sum,
            // lr / B · n · C, so the update passes secure aggregation's clipping untouched.
            double scale = o.lr() / o.batch();
            secureAggregation = new SecureAggregation(scale * largest * o.clipNorm(), 0,
                    scale * distributedFirst.noiseShareStd(shares), shares);
        }
        for (int i = 0; i < o.clients(); i++) {
            DpSgd dpSgd = null;
            if (distributed) {
                dpSgd = new DpSgd(distributedFirst.settings(), distributedRate, secure, distributedFirst.maxSteps());
            } else if (o.dp().equals("example")) {
                double q = o.batch() == 0 ? 1.0 : Math.min(1.0, (double) o.batch() / parts[i].length);
                DpSgd first = calibrated.computeIfAbsent(q, rate -> {
                    long steps = (long) participation * o.localEpochs() * Math.max(1, Math.round(1 / rate));
                    DpSgdSettings s = DpSgdSettings.calibrated(o.epsilon(), o.delta(), rate, steps, o.clipNorm(), o.accountant());
                    return new DpSgd(s, rate, secure);
                });
                sigma = first.settings().noiseMultiplier();
                dpSgd = new DpSgd(first.settings(), q, secure, first.maxSteps());
            }
            sims.add(new SimulatedClient(identities.get(i), pool, train.select(parts[i]), o.seed() + i, coalition,
                    dpSgd, clientDp, Math.max(1, expected), secure, distributed));
        }
        listener.started(sigma, byzantine);
        NodeIdentity coordinator = simulatedIdentity(o.seed(), -1);
        List<NetServer> servers = new ArrayList<>();
        PeerChannels channels = null;
        List<FederatedClient> clients = new ArrayList<>();
        traffic = o.transport().equals("network") ? new Traffic() : null;
        try {
            if (fleet != null) {
                clients.addAll(ClientFleet.startAll(fleet, o, coordinator, identities, traffic));
            } else if (o.transport().equals("network")) {
                // Every client a node on loopback, reached over mycel-net's mutually authenticated
                // TLS as a real deployment reaches it; it trains only for this coordinator.
                NetLimits limits = NetLimits.defaults();
                channels = new PeerChannels(new TlsContexts(coordinator), limits, o.clients() + 8);
                for (int i = 0; i < sims.size(); i++) {
                    NetServer server = NetServer.start(identities.get(i), new TlsContexts(identities.get(i)),
                            new InetSocketAddress("127.0.0.1", 0), limits,
                            List.of(new FederatedGrpcService(dropping(sims.get(i), i), coordinator.peerId())), null);
                    servers.add(server);
                    clients.add(new RemoteFederatedClient(identities.get(i).peerId(), "127.0.0.1", server.port(), channels,
                            o.deadline(), traffic));
                }
            } else {
                for (int i = 0; i < sims.size(); i++) {
                    clients.add(dropping(sims.get(i), i));
                }
            }
            external = fleet != null;
            return runRounds(pool, data, listener, clients, coordinator, strategy, spec, local, f, clientDp, clientLevel, sims,
                    coalition, secure, expected, started);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not start a simulated client node: " + e.getMessage(), e);
        } finally {
            for (NetServer server : servers) {
                server.close();
            }
            if (channels != null) {
                channels.close();
            }
        }
    }

    private SecureAggregation secureAggregation;
    private Traffic traffic;
    private boolean external;

    private Result runRounds(ThreadPool pool, Mnist data, Listener listener, List<FederatedClient> clients,
                             NodeIdentity coordinator, Strategy strategy, String spec, LocalTraining local, int f,
                             ClientLevelDp clientDp, boolean clientLevel, List<SimulatedClient> sims, Coalition coalition,
                             RandomGenerator secure, double expected, long started) throws InterruptedException {
        FederatedRun.Settings settings = new FederatedRun.Settings("sim-" + o.seed(), o.rounds(), o.fraction(), clientLevel,
                Math.max(1, o.minClients()), o.deadline(), o.seed(), 1e6, clientDp, secureAggregation);
        MnistCnn model = new MnistCnn(o.seed(), 0.25f);
        float[] initial = ParameterVector.of(model.parameters());
        java.util.Map<String, SimulatedClient> byId = new java.util.HashMap<>();
        for (SimulatedClient sc : sims) {
            byId.put(sc.id(), sc);
        }
        double[] last = {Double.NaN, Double.NaN, Double.NaN};
        int[] rounds = {0};
        int[] reached = {0};
        boolean[] budget = {false};
        float[] result;
        ModelAverage average = averageDecay > 0 ? new ModelAverage(averageDecay) : null;
        float[][] averaged = {null};
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            FederatedRun run = new FederatedRun(settings, strategy, clients, coordinator, executor, secure);
            Coalition c = coalition;
            result = run.run(initial, w -> {
                if (average != null) {
                    averaged[0] = average.add(w);
                }
                ParameterVector.load(average == null ? w : averaged[0], model.parameters());
                return MnistEvaluation.evaluate(pool, model, data, TRAIN_COUNT, data.size() - TRAIN_COUNT);
            }, new FederatedRun.Listener() {
                @Override
                public void roundStarted(int round, List<String> picked) {
                    if (c != null) {
                        c.roundStarted(round, picked);
                    }
                    listener.roundStarted(round, picked);
                }

                @Override
                public void roundEnded(RoundOutcome outcome) {
                    Strategy replay = Strategies.parse(spec, local, f);
                    replay.restore(outcome.strategyBefore());
                    List<String> problems;
                    if (outcome.secure() == null) {
                        problems = RoundAudit.check(outcome.record(), outcome.start(), outcome.inputs(), replay);
                    } else {
                        // The audit of a survivor: it also checks that the seed published for it is its own.
                        List<String> survivors = outcome.secure().survivors();
                        // (In a fleet the clients are elsewhere: the audit is an outsider's, without a seed of its own.)
                        SimulatedClient auditor = survivors.isEmpty() || external ? null : byId.get(survivors.getFirst());
                        problems = RoundAudit.checkSecure(outcome.record(), outcome.start(), outcome.secure(), replay,
                                auditor == null ? null : auditor.id(),
                                auditor == null ? null : auditor.maskSeedSha256(settings.runId(), outcome.record().round()));
                    }
                    double clientEps = Double.NaN;
                    if (exampleLevel()) {
                        clientEps = 0;
                        for (SimulatedClient s : sims) {
                            clientEps = Math.max(clientEps, s.epsilon());
                        }
                    }
                    last[0] = outcome.loss();
                    last[1] = outcome.accuracy();
                    last[2] = exampleLevel() ? clientEps : outcome.epsilon();
                    rounds[0] = outcome.record().round();
                    listener.round(new Round(outcome, problems, clientEps));
                }

                @Override
                public boolean stopAfter(RoundOutcome outcome) {
                    if (!Double.isNaN(o.targetAccuracy()) && outcome.accuracy() >= o.targetAccuracy()) {
                        reached[0] = outcome.record().round();
                        return true;
                    }
                    return false;
                }

                @Override
                public void budgetStop(int round, double eps) {
                    budget[0] = true;
                    listener.budgetStop(round, eps);
                }
            });
        }
        if (averaged[0] != null) {
            result = averaged[0];
        }
        return new Result(result, rounds[0], last[0], last[1], last[2], FederatedRun.sha256(result),
                (System.nanoTime() - started) / 1e9, budget[0], reached[0], traffic == null ? -1 : traffic.bytesUp(),
                traffic == null ? -1 : traffic.bytesDown());
    }

    /** Whether DP is example-level (each client's accountant): DP-SGD on each client, or distributed. */
    private boolean exampleLevel() {
        return o.dp().equals("example") || o.dp().equals("distributed");
    }

    /**
     * Distributed DP-SGD's m': the fewest clients whose noise shares a sum must hold, and what
     * each client's share is sized for. {@code --min-clients} when given, else 60 % of the
     * clients expected a round, so up to 40 % may drop out (each survivor beyond m' only adds
     * noise: at 30 % drop-outs, about 77 survivors for 60 shares, 13 % more spread than the accountant needs).
     */
    int noiseShares(double expectedClientsPerRound) {
        return o.minClients() > 1 ? o.minClients() : Math.max(1, (int) Math.ceil(0.6 * expectedClientsPerRound));
    }

    /** Client i as the coordinator reaches it: dropping out where the seeded draw says, leaving its coalition then. */
    private FederatedClient dropping(SimulatedClient client, int i) {
        return o.dropout() == 0 ? client : new DroppingClient(client, o.dropout(), o.seed() + i, client::withdraw);
    }

    /** Client i's key (the coordinator's for -1), derived from the seed so that a run repeats. */
    static NodeIdentity simulatedIdentity(long seed, int client) {
        return NodeIdentity.fromSeed(dev.mycel.federated.round.Hashes.sha256(
                new dev.mycel.net.identity.CanonicalWriter("mycel/fl-simulation-key/v1").u64(seed).u32(client).toByteArray()));
    }

    /** The digits the simulation deals to clients: the first {@value #TRAIN_COUNT} of {@code data}. */
    public static Mnist trainingDigits(Mnist data) {
        if (data.size() <= TRAIN_COUNT) {
            throw new IllegalArgumentException("the simulation deals the first " + TRAIN_COUNT
                    + " digits to clients and evaluates on the rest: give more than " + TRAIN_COUNT + " digits");
        }
        int[] trainIdx = new int[TRAIN_COUNT];
        for (int i = 0; i < TRAIN_COUNT; i++) {
            trainIdx[i] = i;
        }
        return data.select(trainIdx);
    }

    /**
     * Client {@code client}'s digits (from 0) of {@code clients}, dealt from {@code data}'s training
     * digits exactly as a simulation with this partition and seed deals them ({@code fl join --shard}).
     */
    public static Mnist clientDigits(Mnist data, String partition, int clients, int client, long seed) {
        if (clients < 1 || clients > TRAIN_COUNT || client < 0 || client >= clients) {
            throw new IllegalArgumentException("a shard is I/N with 0 <= I < N <= " + TRAIN_COUNT + ", not " + client + "/" + clients);
        }
        Mnist train = trainingDigits(data);
        return train.select(partition(train, partition, clients, seed)[client]);
    }

    /** The indices into {@code train} of each client's digits: iid, dirichlet:ALPHA or shards:K, seeded. */
    public static int[][] partition(Mnist train, String p, int clients, long seed) {
        int colon = p.indexOf(':');
        String name = colon < 0 ? p : p.substring(0, colon);
        String arg = colon < 0 ? null : p.substring(colon + 1);
        try {
            return switch (name) {
                case "iid" -> Partitioners.iid(train.size(), clients, seed);
                case "dirichlet" -> Partitioners.dirichlet(train.labels(), Mnist.CLASSES, clients,
                        arg == null ? 0.5 : Double.parseDouble(arg), 1, seed);
                case "shards" -> Partitioners.shards(train.labels(), Mnist.CLASSES, clients,
                        arg == null ? 2 : Integer.parseInt(arg), seed);
                default -> throw new IllegalArgumentException("unknown partition '" + p + "': use iid, dirichlet:ALPHA or shards:K");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--partition " + p + ": '" + arg + "' is not a number");
        }
    }
}
