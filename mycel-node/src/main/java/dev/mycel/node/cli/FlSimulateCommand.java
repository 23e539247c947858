package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.federated.round.Hashes;
import dev.mycel.federated.round.Refusal;
import dev.mycel.federated.round.RoundOutcome;
import dev.mycel.federated.round.RoundRecord;
import dev.mycel.federated.sim.FederatedSimulation;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.run.EvalReport;
import dev.mycel.train.run.StepReport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel fl simulate}: a federated run over simulated clients in this process. */
@Command(name = "simulate", header = "Simulate a federated run of the MNIST CNN over many clients.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Deals the first 8,000 bundled MNIST digits to --clients simulated clients (each with its own node key, signing its updates), and runs --rounds rounds: each picks a fraction of the clients, they train locally, the coordinator aggregates with --strategy and signs a round record, and an audit recomputes the aggregate from the signed inputs. The last 2,000 digits evaluate the global model after every round. Each client is a node on loopback in this process, reached over mycel-net's mutually authenticated TLS connections (--transport memory: direct calls).",
            "",
            "With --processes every client is a `mycel fl join` process of its own on loopback instead (one JVM each, training on --process-threads threads; --threads is then the coordinator's, for evaluation), holding the key and digits the in-JVM run would give it and joining this process's coordinator as a node of a real deployment does: while every client lives the run has the in-JVM bits, and a client process that dies (kill -9) costs only its updates, refused with the reason. Their logs go to --out's clients/ folder; each is killed when the simulation ends.",
            "",
            "Writes to --out: rounds.jsonl (every round record), metrics.csv (round, clients, refused, accuracy, loss, epsilon (empty without --dp), seconds: one line as each round ends) and the charts accuracy.png, loss.png and, with --dp, epsilon.png. With --json: one object per round, the last line the result {\"rounds\":..,\"accuracy\":..,\"loss\":..,\"epsilon\":..,\"delta\":..,\"target_round\":..,\"model_sha256\":..,\"bytes_up\":..,\"bytes_down\":..,\"seconds\":..,\"coordination_share\":..} (coordination_share: the median share of a round's time beyond its slowest client's local training; epsilon and delta null without --dp, target_round null unless --target-accuracy was reached, bytes: protobuf bytes over the network, null with --transport memory).",
            "",
            "FedSGD (McMahan et al.'s baseline: one full-batch gradient step per client and round) is fedavg with --local-epochs 1 --batch 0.",
            "",
            "Examples: mycel fl simulate --clients 100 --fraction 0.1 --rounds 50 --strategy fedavg --partition shards:2",
            "  mycel fl simulate --local-epochs 5 --batch 10 --lr 0.05 --rounds 300 --target-accuracy 0.97"
        })
final class FlSimulateCommand implements Callable<Integer> {
    @Option(names = "--clients", paramLabel = "N", defaultValue = "100", description = "Simulated clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--fraction", paramLabel = "F", defaultValue = "0.1", description = "Fraction of clients per round (default: ${DEFAULT-VALUE}).")
    double fraction;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "50", description = "Rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--strategy", paramLabel = "NAME[:P]", defaultValue = "fedavg",
            description = {"fedavg, fedavgm[:momentum], fedprox[:mu], fedadagrad[:eta], fedadam[:eta], fedyogi[:eta],",
                "fedmedian, fedtrimmedavg[:beta], krum[:f], multikrum[:f], bulyan[:f] (default: ${DEFAULT-VALUE};",
                "f defaults to the expected Byzantine clients per round)."})
    String strategy;

    @Option(names = "--partition", paramLabel = "KIND", defaultValue = "iid",
            description = "iid, dirichlet:ALPHA (label skew) or shards:K (McMahan's K classes a client) (default: ${DEFAULT-VALUE}).")
    String partition;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "cnn", description = "The model: cnn (the MNIST CNN).")
    String model;

    @Option(names = "--local-epochs", paramLabel = "E", defaultValue = "1", description = "Local epochs per round (default: ${DEFAULT-VALUE}).")
    int localEpochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32",
            description = {"Local batch size; 0: each client's whole data set as one batch (one step an epoch;",
                "with --local-epochs 1, FedSGD) (default: ${DEFAULT-VALUE})."})
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.02", description = "Clients' SGD learning rate, momentum 0.9 (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--dp", paramLabel = "LEVEL",
            description = {"Differential privacy: client (DP-FedAvg, the coordinator clips and adds noise),",
                "client-side (each client clips and adds its share of the noise), example (DP-SGD on",
                "each client, each adding all of its noise), or distributed (DP-SGD across the clients",
                "under --secagg: a round is one step; each client Poisson-samples its digits with",
                "probability --batch / (digits per client), clips each digit's gradient to --clip and adds",
                "its share of the step's noise, sized for --min-clients clients (default: 60 % of those",
                "picked); --lr is the step's rate). Needs --epsilon and --delta."})
    String dp;

    @Option(names = "--epsilon", paramLabel = "EPS", description = "Privacy budget for --dp; the run stops before exceeding it.")
    Double epsilon;

    @Option(names = "--delta", paramLabel = "DELTA", description = "Delta for --dp (default: 1e-5).")
    Double delta;

    @Option(names = "--clip", paramLabel = "S", defaultValue = "1.0",
            description = "Clipping norm: of each client's update (client DP) or each example's gradient (example DP) (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--adaptive-clip", description = {"With --dp client: move the clipping norm towards the median update norm",
        "each round (Andrew et al. 2021), starting from --clip."})
    boolean adaptiveClip;

    @Option(names = "--accountant", paramLabel = "NAME", defaultValue = "rdp", description = "rdp or prv (default: ${DEFAULT-VALUE}).")
    String accountant;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0", description = "Chance that a picked client drops out of a round (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--byzantine", paramLabel = "FRACTION:ATTACK",
            description = "Malicious clients: e.g. 0.2:signflip; attacks signflip, gaussian, alie, ipm.")
    String byzantine;

    @Option(names = "--secagg", description = {"Secure aggregation (SecAgg+): each client clips, weighs, quantises and masks its",
        "update; the coordinator learns only the sum. Mean-based strategies only (fedavg, fedavgm,",
        "fedprox, fedadagrad, fedadam, fedyogi)."})
    boolean secagg;

    @Option(names = "--secagg-clip", paramLabel = "S", defaultValue = "10",
            description = {"With --secagg: the L2 norm each update is clipped to, also the fixed-point range of each",
                "value (default: ${DEFAULT-VALUE}; with --dp client, the DP clipping norm --clip is used; with",
                "--dp distributed, the bound of a client's clipped gradient sum, --lr / --batch times its digits times --clip)."})
    double secaggClip;

    @Option(names = "--min-clients", paramLabel = "K", defaultValue = "1", description = "Fewest usable updates for a round to count (default: ${DEFAULT-VALUE}).")
    int minClients;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "600", description = "A round waits this long for clients (default: ${DEFAULT-VALUE}).")
    double deadline;

    @Option(names = "--target-accuracy", paramLabel = "A",
            description = {"Stop after the first round whose held-out accuracy reaches A (in (0, 1]); the result's",
                "target_round says which (null if --rounds ran out first)."})
    Double targetAccuracy;

    @Option(names = "--model-average", paramLabel = "DECAY",
            description = {"Evaluate and return an exponential moving average of the global models with this decay",
                "in (0, 1) (e.g. 0.9) instead of the last model: it averages out part of DP's noise and,",
                "reading only published models, costs no privacy. Round records still hash each round's model."})
    Double modelAverage;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "network",
            description = {"network: every client a node on loopback, reached over mycel-net's mutually",
                "authenticated TLS (gRPC), as in a real deployment; memory: direct calls, faster",
                "(default: ${DEFAULT-VALUE})."})
    String transport;

    @Option(names = "--processes", description = {"Run every client as a `mycel fl join` process of its own on loopback",
        "(not with --byzantine, --dp client-side, example or distributed)."})
    boolean processes;

    /** For tests and devnets: "I:FAULT" starts client process I with fl join --fault FAULT. */
    @Option(names = "--client-fault", hidden = true)
    List<String> clientFaults;

    @Option(names = "--process-threads", paramLabel = "K", defaultValue = "1",
            description = "With --processes: training threads of each client process (default: ${DEFAULT-VALUE}).")
    int processThreads;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the partition, the sampling and the model (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads for training (default: all cores).")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for round records and charts (default: fl-simulate).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object per round; the last line is the result.")
    boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!model.equals("cnn")) {
            throw new UserException("fl simulate trains the MNIST cnn, not '" + model + "'", true);
        }
        String level = dp == null ? "none" : dp;
        if (dp == null && (epsilon != null || delta != null)) {
            throw new UserException("--epsilon and --delta go with --dp", true);
        }
        if (dp != null && epsilon == null) {
            throw new UserException("--dp needs --epsilon (the privacy budget)", true);
        }
        double byzFraction = 0;
        String attack = "signflip";
        if (byzantine != null) {
            int colon = byzantine.indexOf(':');
            try {
                byzFraction = Double.parseDouble(colon < 0 ? byzantine : byzantine.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new UserException("--byzantine takes FRACTION:ATTACK, e.g. 0.2:signflip, not '" + byzantine + "'", true);
            }
            if (colon >= 0) {
                attack = byzantine.substring(colon + 1);
            }
        }
        FederatedSimulation.Options options = new FederatedSimulation.Options(clients, fraction, rounds, strategy, partition,
                localEpochs, batch, lr, level, epsilon == null ? 1 : epsilon, delta == null ? 1e-5 : delta, clip, accountant,
                dropout, byzFraction, attack, seed, minClients, Duration.ofMillis((long) (deadline * 1000)), adaptiveClip, transport,
                targetAccuracy == null ? FederatedSimulation.Options.NO_TARGET : targetAccuracy);
        if (processes) {
            ClientProcesses.check(options);
        }
        Path dir = out != null ? out : Path.of("fl-simulate");
        Files.createDirectories(dir);
        PrintStream stdout = System.out;
        int k = threads != null ? threads : Defaults.threads();
        long started = System.nanoTime();
        try (ClientProcesses fleet = processes ? new ClientProcesses(processThreads, dir.resolve("clients"), System.err, faults()) : null;
             ThreadPool pool = new ThreadPool(k);
             Writer records = Files.newBufferedWriter(dir.resolve("rounds.jsonl"), StandardCharsets.UTF_8);
             RoundMetrics metrics = new RoundMetrics(dir, "federated MNIST CNN, " + strategy + ", " + partition + ", E=" + localEpochs
                     + " B=" + (batch == 0 ? "all" : Integer.toString(batch)) + (dp == null ? "" : ", DP " + dp + " eps " + epsilon));
             TrainingProgressBar bar = new TrainingProgressBar(System.err, System.console() != null, "clients")) {
            List<Double> coordinationShares = new ArrayList<>();
            FederatedSimulation simulation = new FederatedSimulation(options);
            if (secagg) {
                simulation.withSecureAggregation(secaggClip);
            }
            if (modelAverage != null) {
                simulation.withModelAverage(modelAverage);
            }
            FederatedSimulation.Result result = simulation.run(pool, Mnist.bundled(), fleet,
                    new FederatedSimulation.Listener() {
                        @Override
                        public void started(double sigma, int byz) {
                            if (!Double.isNaN(sigma) && !json) {
                                System.err.printf(Locale.ROOT, "noise multiplier %.4f for epsilon %s at delta %s%n", sigma,
                                        epsilon, delta == null ? 1e-5 : delta);
                            }
                        }

                        @Override
                        public void round(FederatedSimulation.Round r) {
                            RoundOutcome o = r.outcome();
                            ObjectNode line = roundJson(r);
                            try {
                                records.write(Json.write(recordJson(o.record())) + "\n");
                                records.flush();
                                metrics.round(o.record().round(), o.record().inputs().size(), o.record().refused().size(), o.accuracy(),
                                        o.loss(), epsilonOf(r), o.seconds());
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            double seconds = (System.nanoTime() - started) / 1e9;
                            bar.step(new StepReport(o.record().round(), rounds, 0, (float) o.loss(), lr,
                                    o.record().inputs().size() / Math.max(1e-9, o.seconds()), seconds));
                            if (Double.isFinite(o.trainingSeconds()) && o.seconds() > 0) {
                                coordinationShares.add(Math.max(0, o.seconds() - o.trainingSeconds()) / o.seconds());
                            }
                            bar.evaluated(new EvalReport(o.record().round(), 0, o.loss(), o.accuracy()));
                            if (!r.auditProblems().isEmpty()) {
                                System.err.println("mycel: round " + o.record().round() + " failed its audit: "
                                        + String.join("; ", r.auditProblems()));
                            }
                            for (Refusal ref : o.record().refused()) {
                                if (!json) {
                                    System.err.println("round " + o.record().round() + ": refused " + shortId(ref.clientId())
                                            + ": " + ref.reason());
                                }
                            }
                            if (json) {
                                stdout.println(Json.write(line));
                            }
                        }

                        @Override
                        public void budgetStop(int round, double eps) {
                            System.err.printf(Locale.ROOT, "stopping before round %d: it would spend epsilon %.3f, over the budget %s%n",
                                    round, eps, epsilon);
                        }
                    });
            List<String> charts = metrics.charts();
            if (json) {
                ObjectNode o = Json.object();
                o.put("rounds", result.rounds());
                o.put("accuracy", result.accuracy());
                o.put("loss", result.loss());
                if (Double.isNaN(result.epsilon())) {
                    o.putNull("epsilon");
                } else {
                    o.put("epsilon", result.epsilon());
                }
                if (dp == null) {
                    o.putNull("delta");
                } else {
                    o.put("delta", delta == null ? 1e-5 : delta);
                }
                if (result.targetRound() > 0) {
                    o.put("target_round", result.targetRound());
                } else {
                    o.putNull("target_round");
                }
                o.put("model_sha256", result.modelSha256());
                if (result.bytesUp() < 0) {
                    // Direct calls (--transport memory): nothing crossed a network.
                    o.putNull("bytes_up");
                    o.putNull("bytes_down");
                } else {
                    o.put("bytes_up", result.bytesUp());
                    o.put("bytes_down", result.bytesDown());
                }
                o.put("secagg", secagg);
                o.put("seconds", result.seconds());
                if (!coordinationShares.isEmpty()) {
                    // The median over rounds of the share of a round's time beyond its slowest client's training.
                    List<Double> sorted = new ArrayList<>(coordinationShares);
                    sorted.sort(null);
                    o.put("coordination_share", sorted.get(sorted.size() / 2));
                }
                o.put("budget_stopped", result.budgetStopped());
                o.put("out", dir.toString());
                stdout.println(Json.write(o));
            } else {
                stdout.printf(Locale.ROOT, "%d rounds: held-out accuracy %.2f%%, loss %.4f, %.1f s%s%n", result.rounds(),
                        100 * result.accuracy(), result.loss(), result.seconds(),
                        Double.isNaN(result.epsilon()) ? "" : String.format(Locale.ROOT, ", epsilon %.3f", result.epsilon()));
                if (targetAccuracy != null) {
                    stdout.printf(Locale.ROOT, result.targetRound() > 0 ? "target accuracy %.2f%% reached in round %d%n"
                            : "target accuracy %.2f%% not reached%n", 100 * targetAccuracy, result.targetRound());
                }
                stdout.printf("model_sha256 %s%n", result.modelSha256());
                stdout.printf("wrote %s (rounds.jsonl, metrics.csv, %s)%n", dir, String.join(", ", charts));
            }
            return 0;
        }
    }

    private java.util.Map<Integer, String> faults() {
        java.util.Map<Integer, String> out = new java.util.HashMap<>();
        for (String f : clientFaults == null ? List.<String>of() : clientFaults) {
            int colon = f.indexOf(':');
            try {
                out.put(Integer.parseInt(f.substring(0, Math.max(0, colon))), f.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new UserException("--client-fault takes CLIENT:FAULT, not '" + f + "'", true);
            }
        }
        return out;
    }

    /** The ε a round's metrics line gives: the worst client's under DP-SGD, the run's under client-level DP. */
    private static double epsilonOf(FederatedSimulation.Round r) {
        return Double.isNaN(r.clientEpsilon()) ? r.outcome().epsilon() : r.clientEpsilon();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) + "…" : id;
    }

    private static ObjectNode roundJson(FederatedSimulation.Round r) {
        RoundOutcome o = r.outcome();
        ObjectNode line = Json.object();
        line.put("round", o.record().round());
        line.put("clients", o.record().inputs().size());
        line.put("picked", o.picked().size());
        line.put("refused", o.record().refused().size());
        line.put("applied", o.record().applied());
        line.put("loss", o.loss());
        line.put("accuracy", o.accuracy());
        if (!Double.isNaN(o.epsilon())) {
            line.put("epsilon", o.epsilon());
        }
        if (!Double.isNaN(r.clientEpsilon())) {
            line.put("client_epsilon", r.clientEpsilon());
        }
        line.put("model_sha256", Hashes.hex(o.record().modelSha256()));
        line.put("verified", r.auditProblems().isEmpty());
        line.put("seconds", o.seconds());
        if (Double.isFinite(o.trainingSeconds())) {
            // The slowest client's local training: the rest of the round is coordination.
            line.put("training_seconds", o.trainingSeconds());
        }
        return line;
    }

    private static ObjectNode recordJson(RoundRecord rec) {
        ObjectNode o = Json.object();
        o.put("run", rec.runId());
        o.put("round", rec.round());
        o.put("strategy", rec.strategy());
        o.put("start_sha256", Hashes.hex(rec.startSha256()));
        ArrayNode inputs = o.putArray("inputs");
        for (RoundRecord.Input in : rec.inputs()) {
            ObjectNode i = inputs.addObject();
            i.put("client", in.clientId());
            i.put("examples", in.numExamples());
            i.put("commitment", Hashes.hex(in.commitment()));
        }
        ArrayNode refused = o.putArray("refused");
        for (Refusal r : rec.refused()) {
            refused.addObject().put("client", r.clientId()).put("reason", r.reason());
        }
        o.put("applied", rec.applied());
        if (Double.isFinite(rec.preparation().clipNorm())) {
            o.put("clip_norm", rec.preparation().clipNorm());
        }
        o.put("equal_weights", rec.preparation().equalWeights());
        o.put("aggregate_sha256", Hashes.hex(rec.aggregateSha256()));
        o.put("coordinator_noise", rec.coordinatorNoise());
        o.put("model_sha256", Hashes.hex(rec.modelSha256()));
        if (rec.secureSha256().length > 0) {
            o.put("secure_transcript_sha256", Hashes.hex(rec.secureSha256()));
        }
        o.put("coordinator", rec.coordinator());
        o.put("signature", Hashes.hex(rec.signature()));
        return o;
    }
}
