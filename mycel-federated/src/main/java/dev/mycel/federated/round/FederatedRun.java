package dev.mycel.federated.round;

import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.privacy.PrivacyAccountant;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.Strategy;
import dev.mycel.federated.strategy.StrategyState;
import dev.mycel.federated.strategy.UpdateValidator;
import dev.mycel.net.identity.NodeIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The coordinator's loop: for each round, pick clients, send them the global model, wait for
 * their signed updates until the deadline, refuse the bad ones (with a reason), aggregate the
 * rest through the strategy when enough are left, add client-level DP noise where the
 * coordinator owns it, and publish a signed {@link RoundRecord}. A client that fails, is late or
 * sends garbage costs its own contribution, never the round: the round goes on with the others,
 * and a round with fewer than the minimum leaves the model as it was.
 */
public final class FederatedRun {
    /**
     * The run's settings. {@code sampleRate} is the fraction of clients per round: with
     * {@code poisson} each client is in with that probability (what client-level DP's accountant
     * assumes), otherwise exactly round(fraction · clients) are picked.
     */
    public record Settings(String runId, int rounds, double sampleRate, boolean poisson, int minClients,
                           Duration deadline, long seed, double maxUpdateNorm, ClientLevelDp dp, SecureAggregation secure) {
        /** A run without secure aggregation. */
        public Settings(String runId, int rounds, double sampleRate, boolean poisson, int minClients, Duration deadline, long seed,
                        double maxUpdateNorm, ClientLevelDp dp) {
            this(runId, rounds, sampleRate, poisson, minClients, deadline, seed, maxUpdateNorm, dp, null);
        }

        public Settings {
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1, not " + rounds);
            }
            if (!(sampleRate > 0 && sampleRate <= 1)) {
                throw new IllegalArgumentException("--fraction must be in (0, 1], not " + sampleRate);
            }
            if (minClients < 1) {
                throw new IllegalArgumentException("--min-clients must be at least 1, not " + minClients);
            }
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("the round deadline must be positive, not " + deadline);
            }
            if (dp != null && !poisson) {
                throw new IllegalArgumentException("client-level DP needs Poisson sampling of clients (its accountant assumes it)");
            }
        }
    }

    /** Told as the run goes. */
    public interface Listener {
        default void roundStarted(int round, List<String> picked) {
        }

        default void refused(int round, Refusal refusal) {
        }

        void roundEnded(RoundOutcome outcome);

        /**
         * Asked after each round (after {@link #roundEnded}): true ends the run there, before its
         * last round (a target accuracy reached, say). No later round is started or charged.
         */
        default boolean stopAfter(RoundOutcome outcome) {
            return false;
        }

        /** The run stopped before its last round: the privacy budget would have been exceeded. */
        default void budgetStop(int round, double epsilonIfRun) {
        }
    }

    private final Settings settings;
    private final Strategy strategy;
    private final Map<String, FederatedClient> clients;
    private final NodeIdentity coordinator;
    private final ExecutorService executor;
    private final RandomGenerator noise;
    private final UpdateValidator validator;
    private final java.security.SecureRandom secureRandom = new java.security.SecureRandom();
    /** This round's clipping norm under client-level DP (adaptive clipping moves it between rounds). */
    private double clipNorm;

    public FederatedRun(Settings settings, Strategy strategy, List<FederatedClient> clients, NodeIdentity coordinator,
                        ExecutorService executor, RandomGenerator noise) {
        this.settings = Objects.requireNonNull(settings);
        this.strategy = Objects.requireNonNull(strategy);
        this.clients = new TreeMap<>();
        for (FederatedClient c : clients) {
            if (this.clients.put(c.id(), c) != null) {
                throw new IllegalArgumentException("two clients with the id " + c.id());
            }
        }
        if (this.clients.isEmpty()) {
            throw new IllegalArgumentException("a federated run needs clients");
        }
        this.coordinator = Objects.requireNonNull(coordinator);
        this.executor = Objects.requireNonNull(executor);
        this.noise = Objects.requireNonNull(noise);
        this.validator = new UpdateValidator(settings.maxUpdateNorm());
        if (settings.secure() != null && !strategy.aggregatesWeightedMean()) {
            throw new IllegalArgumentException(strategy.name() + " looks at each client's update, which secure aggregation hides:"
                    + " --secagg works with fedavg, fedavgm, fedprox, fedadagrad, fedadam and fedyogi");
        }
    }

    /** The id of the one update a secure round hands its strategy: the weighted mean of the survivors' updates. */
    public static final String SECURE_MEAN_ID = "secure-aggregate";

    /** The update a secure round's strategy aggregates: the mean model from the unmasked sum, weight 1. */
    public static ClientUpdate secureMean(float[] global, double[] sum, double clipNorm) {
        return new ClientUpdate(SECURE_MEAN_ID, SecureInput.meanModel(global, sum, clipNorm), 1, java.util.Map.of());
    }

    /**
     * Runs the rounds from {@code initial}; {@code evaluate} gives {loss, accuracy} of a model on
     * held-out data (the coordinator's own, never a client's). Returns the final global model.
     */
    public float[] run(float[] initial, Function<float[], double[]> evaluate, Listener listener) throws InterruptedException {
        float[] global = initial.clone();
        List<String> ids = new ArrayList<>(clients.keySet());
        clipNorm = settings.dp() == null ? Double.POSITIVE_INFINITY : settings.dp().clipNorm();
        for (int round = 1; round <= settings.rounds(); round++) {
            long started = System.nanoTime();
            // The round is charged before it runs: its ε is what the run will have spent after it.
            double epsilon = Double.NaN;
            if (settings.dp() != null) {
                PrivacyAccountant after = PrivacyAccountant.named(settings.dp().accountant());
                after.step(settings.dp().noiseMultiplier(), settings.sampleRate(), round);
                epsilon = after.spent(settings.dp().delta()).epsilon();
                if (epsilon > settings.dp().targetEpsilon()) {
                    listener.budgetStop(round, epsilon);
                    break;
                }
            }
            List<String> picked = settings.poisson()
                    ? ClientSelection.poisson(ids, settings.sampleRate(), settings.seed(), round)
                    : ClientSelection.fixedCount(ids, Math.max(1, (int) Math.round(settings.sampleRate() * ids.size())),
                            settings.seed(), round);
            listener.roundStarted(round, picked);
            StrategyState before = strategy.state();
            List<Refusal> refused = new ArrayList<>();
            if (settings.secure() != null) {
                RoundOutcome outcome = secureRound(round, global, picked, refused, before, epsilon, started, evaluate, listener);
                global = outcome.model();
                listener.roundEnded(outcome);
                if (listener.stopAfter(outcome)) {
                    break;
                }
                continue;
            }
            List<SignedUpdate> accepted = collect(round, global, picked, refused, listener);
            accepted.sort((a, b) -> a.update().clientId().compareTo(b.update().clientId()));
            boolean applied = accepted.size() >= settings.minClients() && !accepted.isEmpty();
            UpdatePreparation preparation = UpdatePreparation.of(settings.dp(), clipNorm);
            float[] aggregate = global;
            float[] model = global;
            boolean coordinatorNoise = false;
            if (applied) {
                List<ClientUpdate> updates = new ArrayList<>();
                for (SignedUpdate s : accepted) {
                    updates.add(s.update());
                }
                try {
                    aggregate = strategy.aggregate(round, global, preparation.apply(global, updates));
                } catch (IllegalArgumentException e) {
                    // Too few updates left for the rule (Krum needs n ≥ 2f + 3, ...): the round
                    // keeps the model, and says why.
                    applied = false;
                    refused.add(new Refusal("-", "round not applied: " + e.getMessage()));
                }
                model = aggregate;
                if (applied && settings.dp() != null && settings.dp().mode() == ClientLevelDp.Mode.COORDINATOR) {
                    ClientLevelDp.AdaptiveClipping adaptive = settings.dp().adaptive();
                    double sigma = adaptive == null ? settings.dp().noiseMultiplier()
                            : adaptive.updateNoiseMultiplier(settings.dp().noiseMultiplier());
                    model = aggregate.clone();
                    ClientLevelDp.addNoise(model, sigma * clipNorm / accepted.size(), noise);
                    coordinatorNoise = true;
                    if (adaptive != null) {
                        double[] norms = new double[updates.size()];
                        for (int i = 0; i < norms.length; i++) {
                            norms[i] = ClientLevelDp.updateNorm(global, updates.get(i).parameters());
                        }
                        clipNorm = adaptive.next(clipNorm, norms, noise.nextGaussian());
                    }
                }
            } else {
                refused.add(new Refusal("-", "round not applied: " + accepted.size() + " usable updates, fewer than the minimum "
                        + settings.minClients()));
            }
            List<RoundRecord.Input> inputs = new ArrayList<>();
            for (SignedUpdate s : accepted) {
                inputs.add(new RoundRecord.Input(s.update().clientId(), s.update().numExamples(),
                        SignedUpdate.commitment(round, s.update())));
            }
            RoundRecord record = new RoundRecord(settings.runId(), round, strategy.name(), Hashes.sha256(global), inputs, refused,
                    applied, preparation, Hashes.sha256(aggregate), coordinatorNoise, Hashes.sha256(model), new byte[0], "",
                    new byte[0]).signedBy(coordinator);
            float[] start = global;
            global = model;
            // The round's time is training and coordination; the coordinator's evaluation is not part of it.
            double seconds = (System.nanoTime() - started) / 1e9;
            double[] eval = evaluate.apply(global);
            RoundOutcome outcome = new RoundOutcome(record, picked, accepted, before, start, global, eval[0], eval[1], epsilon,
                    seconds, null, slowest(accepted.stream().map(a -> a.update().metrics()).toList()));
            listener.roundEnded(outcome);
            if (listener.stopAfter(outcome)) {
                break;
            }
        }
        return global;
    }

    /**
     * One round with secure aggregation: the clients clip, weigh, quantise and mask their updates
     * (see {@link SecureInput}); the coordinator learns only the sum of the survivors', turns it
     * into their weighted mean and lets the strategy take it from there. Client-level DP's noise,
     * when the coordinator owns it, goes on the mean as in a plain round.
     */
    private RoundOutcome secureRound(int round, float[] global, List<String> picked, List<Refusal> refused, StrategyState before,
                                     double epsilon, long started, Function<float[], double[]> evaluate, Listener listener)
            throws InterruptedException {
        SecureAggregation secure = settings.secure();
        double clip = settings.dp() != null ? clipNorm : secure.clipNorm();
        ClientLevelDp.AdaptiveClipping adaptive = settings.dp() == null ? null : settings.dp().adaptive();
        long weightBound = settings.dp() != null ? 0 : secure.weightBound();
        UpdatePreparation preparation = new UpdatePreparation(clip, weightBound == 0);
        float[] aggregate = global;
        float[] model = global;
        boolean applied = false;
        boolean coordinatorNoise = false;
        SecureTranscript transcript = null;
        List<RoundRecord.Input> inputs = new ArrayList<>();
        try {
            SecureSetup setup = SecureSetup.draw(picked, clip, weightBound, secureRandom);
            if (adaptive != null) {
                setup = setup.withWithinCount();
            }
            if (secure.noiseShares() > 0) {
                // Distributed DP: the clients add the noise, in m' shares; see SecureAggregation.
                setup = setup.withNoiseRoom(secure.clientNoiseStd()).withNoiseShares(secure.noiseShares());
            }
            if (settings.dp() != null && settings.dp().mode() == ClientLevelDp.Mode.CLIENT) {
                // Each client adds N(0, (σS)²/m) after clipping, m the expected clients a round.
                setup = setup.withNoiseRoom(ClientLevelDp.clientNoiseShare(settings.dp(), settings.sampleRate() * clients.size()));
            }
            FitRequest request = new FitRequest(settings.runId(), round, global, strategy.configureRound(round));
            SecureRound.Outcome outcome = new SecureRound(settings.runId(), round, clients, executor, settings.deadline(), refused,
                    r -> listener.refused(round, r)).run(request, setup);
            transcript = outcome.transcript();
            for (SignedMaskedInput m : transcript.masked()) {
                inputs.add(new RoundRecord.Input(m.input().clientId(), 0, m.commitment()));
            }
            int survivors = inputs.size();
            if (survivors < settings.minClients()) {
                refused.add(new Refusal("-", "round not applied: " + survivors + " clients in the secure sum, fewer than the minimum "
                        + settings.minClients()));
            } else {
                aggregate = strategy.aggregate(round, global, List.of(secureMean(global, outcome.sum(), clip)));
                model = aggregate;
                applied = true;
                if (settings.dp() != null && settings.dp().mode() == ClientLevelDp.Mode.COORDINATOR) {
                    double sigma = adaptive == null ? settings.dp().noiseMultiplier()
                            : adaptive.updateNoiseMultiplier(settings.dp().noiseMultiplier());
                    model = aggregate.clone();
                    ClientLevelDp.addNoise(model, sigma * clip / survivors, noise);
                    coordinatorNoise = true;
                    if (adaptive != null) {
                        // The count of updates within the norm comes out of the secure sum (a flag each).
                        long within = Math.round(SecureInput.withinCount(global, outcome.sum(), clip));
                        clipNorm = adaptive.nextFromCount(clip, within, survivors, noise.nextGaussian());
                    }
                }
            }
        } catch (IllegalArgumentException | dev.mycel.federated.secagg.SecAggException e) {
            // Too few clients for secure aggregation, or too many drop-outs to unmask: the round
            // keeps the model and says why; it never applies a sum it could not verify.
            refused.add(new Refusal("-", "round not applied: " + e.getMessage()));
            applied = false;
            aggregate = global;
            model = global;
        }
        byte[] transcriptHash = transcript == null ? new byte[0] : transcript.sha256();
        RoundRecord record = new RoundRecord(settings.runId(), round, strategy.name(), Hashes.sha256(global), inputs, refused,
                applied, preparation, Hashes.sha256(aggregate), coordinatorNoise, Hashes.sha256(model), transcriptHash, "",
                new byte[0]).signedBy(coordinator);
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] eval = evaluate.apply(model);
        return new RoundOutcome(record, picked, List.of(), before, global, model, eval[0], eval[1], epsilon, seconds, transcript,
                transcript == null ? Double.NaN : slowest(transcript.keys().stream().map(SignedKeys::metrics).toList()));
    }

    /** Sends the round to the picked clients and keeps the replies that pass every check by the deadline. */
    private List<SignedUpdate> collect(int round, float[] global, List<String> picked, List<Refusal> refused, Listener listener)
            throws InterruptedException {
        FitRequest request = new FitRequest(settings.runId(), round, global, strategy.configureRound(round));
        Map<String, Future<SignedUpdate>> pending = new LinkedHashMap<>();
        for (String id : picked) {
            FederatedClient c = clients.get(id);
            pending.put(id, executor.submit(() -> c.fit(request)));
        }
        long deadline = System.nanoTime() + settings.deadline().toNanos();
        List<SignedUpdate> accepted = new ArrayList<>();
        for (var e : pending.entrySet()) {
            String id = e.getKey();
            String reason;
            try {
                SignedUpdate s = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                reason = check(id, round, global, s);
                if (reason == null) {
                    accepted.add(s);
                    continue;
                }
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                reason = "missed the round's deadline of " + settings.deadline().toMillis() + " ms";
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause();
                reason = "failed: " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
            }
            Refusal r = new Refusal(id, reason);
            refused.add(r);
            listener.refused(round, r);
        }
        return accepted;
    }

    /** Why a reply cannot be used, or null when it can. */
    private String check(String id, int round, float[] global, SignedUpdate s) {
        if (s == null || s.update() == null) {
            return "sent no update";
        }
        if (!s.runId().equals(settings.runId())) {
            return "an update for run " + s.runId() + ", not this run";
        }
        if (s.round() != round) {
            return "an update for round " + s.round() + ", not round " + round;
        }
        if (!s.update().clientId().equals(id)) {
            return "an update claiming to be from " + s.update().clientId();
        }
        if (!s.verifies()) {
            return "a bad signature";
        }
        UpdateValidator.Verdict v = validator.check(global, s.update());
        if (!v.accepted()) {
            return v.reason();
        }
        return null;
    }

    /** The largest reported training time, NaN when no client reported one. */
    private static double slowest(List<java.util.Map<String, Double>> metrics) {
        double max = Double.NaN;
        for (var m : metrics) {
            Double t = m.get(FederatedClient.TRAIN_SECONDS);
            if (t != null && Double.isFinite(t) && !(t <= max)) {
                max = t;
            }
        }
        return max;
    }

    /** The model's SHA-256, as round records give it. */
    public static String sha256(float[] model) {
        return Hashes.hex(Hashes.sha256(model));
    }
}
