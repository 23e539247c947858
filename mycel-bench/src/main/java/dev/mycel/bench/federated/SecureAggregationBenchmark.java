package dev.mycel.bench.federated;

import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FederatedGrpcService;
import dev.mycel.federated.round.FederatedRun;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.RemoteFederatedClient;
import dev.mycel.federated.round.RoundOutcome;
import dev.mycel.federated.round.SecureAggregation;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SecureParticipant;
import dev.mycel.federated.round.SecureSetup;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.round.Traffic;
import dev.mycel.federated.secagg.Quantizer;
import dev.mycel.federated.secagg.SecAggClient;
import dev.mycel.federated.secagg.SecAggCoordinator;
import dev.mycel.federated.secagg.SecAggMessage;
import dev.mycel.federated.secagg.SecAggParameters;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.FedAvg;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Secure aggregation against plain aggregation, in the same run: N client nodes on loopback
 * (gRPC over mutual TLS, one JVM), each holding a fixed update of P parameters (no training, so
 * only aggregation is timed), one round of FedAvg each way, alternating, REPS times. Reports the
 * wall time of a round and the protobuf bytes up and down. Then, because all N + 1 parties share
 * this machine's cores in that measurement (a real deployment runs each client on its own), the
 * protocol once more in memory, one party at a time, for the critical path: the slowest client
 * of each exchange plus the coordinator's own work, against the coordinator's plain sum.
 *
 * <pre>java -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.federated.SecureAggregationBenchmark [CLIENTS] [PARAMS] [REPS]</pre>
 */
public final class SecureAggregationBenchmark {
    private static final double CLIP = 10.0;

    /** A client whose "training" gives a fixed update of norm about 1; it does both plain and secure rounds. */
    private static final class FixedClient implements FederatedClient {
        private final NodeIdentity key;
        private final float[] delta;
        private final SecureParticipant secure;

        FixedClient(int index, int params) {
            byte[] seed = new byte[32];
            seed[0] = (byte) index;
            seed[1] = (byte) (index >> 8);
            seed[2] = 99;
            this.key = NodeIdentity.fromSeed(seed);
            SplittableRandom r = new SplittableRandom(index);
            this.delta = new float[params];
            double scale = 2 / Math.sqrt(params);
            for (int i = 0; i < params; i++) {
                delta[i] = (float) ((r.nextDouble() - 0.5) * scale);
            }
            this.secure = new SecureParticipant(key, new SecureRandom());
        }

        @Override
        public String id() {
            return key.peerId().toString();
        }

        private ClientUpdate update(float[] global) {
            float[] w = global.clone();
            for (int i = 0; i < w.length; i++) {
                w[i] += delta[i];
            }
            return new ClientUpdate(id(), w, 80);
        }

        @Override
        public SignedUpdate fit(FitRequest r) {
            return SignedUpdate.sign(key, r.runId(), r.round(), update(r.global()));
        }

        @Override
        public SignedKeys secureFit(SecureFitRequest r) {
            return secure.begin(r, update(r.fit().global()));
        }

        @Override
        public ShareKeys shareKeys(String runId, int round, List<SignedKeys> keys) {
            return secure.shareKeys(runId, round, keys);
        }

        @Override
        public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) {
            return secure.maskedInput(runId, round, shares);
        }

        @Override
        public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) {
            return secure.unmask(runId, round, request);
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int params = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Logger.getLogger("").setLevel(Level.WARNING);
        NodeIdentity coordinator = NodeIdentity.generate();
        List<NetServer> servers = new ArrayList<>();
        List<FederatedClient> remote = new ArrayList<>();
        Traffic[] traffic = {new Traffic()};
        System.out.printf(Locale.ROOT, "%d clients x %d parameters, %d rounds each way, loopback TLS, %d cores%n", n, params, reps,
                Runtime.getRuntime().availableProcessors());
        try (PeerChannels channels = new PeerChannels(new TlsContexts(coordinator), NetLimits.defaults(), n + 8)) {
            for (int i = 0; i < n; i++) {
                FixedClient c = new FixedClient(i, params);
                NetServer server = NetServer.start(c.key, new TlsContexts(c.key), new InetSocketAddress("127.0.0.1", 0),
                        NetLimits.defaults(), List.of(new FederatedGrpcService(c, coordinator.peerId())), null);
                servers.add(server);
                int port = server.port();
                // A client that counts into whichever Traffic the current round uses.
                remote.add(new CountingClient(c.key, port, channels, traffic));
            }
            float[] global = new float[params];
            // One warm-up round each way: connections, class loading, JIT.
            round(remote, coordinator, global, null);
            round(remote, coordinator, global, new SecureAggregation(CLIP, 0));
            System.out.println("mode,rep,seconds,bytes_up,bytes_down");
            double[][] seconds = new double[2][reps];
            long[][] up = new long[2][reps];
            long[][] down = new long[2][reps];
            for (int rep = 0; rep < reps; rep++) {
                for (int mode = 0; mode < 2; mode++) {
                    traffic[0] = new Traffic();
                    long t0 = System.nanoTime();
                    RoundOutcome o = round(remote, coordinator, global, mode == 0 ? null : new SecureAggregation(CLIP, 0));
                    seconds[mode][rep] = (System.nanoTime() - t0) / 1e9;
                    if (!o.record().applied()) {
                        throw new IllegalStateException("the round was not applied: " + o.record().refused());
                    }
                    up[mode][rep] = traffic[0].bytesUp();
                    down[mode][rep] = traffic[0].bytesDown();
                    System.out.printf(Locale.ROOT, "%s,%d,%.3f,%d,%d%n", mode == 0 ? "plain" : "secure", rep + 1, seconds[mode][rep],
                            up[mode][rep], down[mode][rep]);
                }
            }
            System.out.printf(Locale.ROOT, "round time, secure / plain (median of pairs): %.2fx; bytes up %.3fx, down %.3fx, total %.3fx%n",
                    medianRatio(seconds[1], seconds[0]), (double) up[1][0] / up[0][0], (double) down[1][0] / down[0][0],
                    (double) (up[1][0] + down[1][0]) / (up[0][0] + down[0][0]));
        } finally {
            servers.forEach(NetServer::close);
        }
        // Once to warm up (a node that has run a few rounds is compiled), once to report.
        criticalPath(n, params, false);
        criticalPath(n, params, true);
    }

    private static RoundOutcome round(List<FederatedClient> clients, NodeIdentity coordinator, float[] global,
                                      SecureAggregation secure) throws InterruptedException {
        FederatedRun.Settings s = new FederatedRun.Settings("bench", 1, 1.0, false, 1, Duration.ofMinutes(10), 1, 1e6, null, secure);
        RoundOutcome[] out = new RoundOutcome[1];
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(new LocalTraining(1, 32, 0.02)), clients, coordinator, ex, new SplittableRandom(1))
                    .run(global, w -> new double[] {0, 0}, o -> out[0] = o);
        }
        return out[0];
    }

    private static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a[i] / b[i];
        }
        java.util.Arrays.sort(r);
        return r[r.length / 2];
    }

    /** The protocol in memory, one party at a time: what each party's own machine would spend. */
    private static void criticalPath(int n, int params, boolean report) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(String.format(Locale.ROOT, "client-%04d", i));
        }
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        int k = SecureSetup.degreeFor(n, SecureSetup.DROPOUT_TOLERANCE);
        SecAggParameters p = SecAggParameters.of("bench/1", ids, SecAggParameters.defaultThreshold(k), k, params + 1,
                Quantizer.forParticipants(CLIP, n), seed);
        SecureRandom random = new SecureRandom();
        Map<String, SecAggClient> clients = new TreeMap<>();
        float[][] inputs = new float[n][];
        for (int i = 0; i < n; i++) {
            clients.put(ids.get(i), new SecAggClient(p, ids.get(i), random));
            inputs[i] = new FixedClient(i, params).delta;
            inputs[i] = java.util.Arrays.copyOf(inputs[i], params + 1);
            inputs[i][params] = (float) CLIP;
        }
        SecAggCoordinator coordinator = new SecAggCoordinator(p);
        double[] slowest = new double[4];
        double coordinatorSeconds = 0;
        for (SecAggClient c : clients.values()) {
            long t = System.nanoTime();
            SecAggMessage.AdvertiseKeys m = c.advertiseKeys();
            slowest[0] = Math.max(slowest[0], (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            coordinator.receive(m);
            coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        }
        long t = System.nanoTime();
        Map<String, SecAggMessage.PublicKeys> keys = coordinator.closeAdvertiseKeys();
        coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        for (var e : keys.entrySet()) {
            t = System.nanoTime();
            ShareKeys m = clients.get(e.getKey()).shareKeys(e.getValue());
            slowest[1] = Math.max(slowest[1], (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            coordinator.receive(m);
            coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        }
        t = System.nanoTime();
        Map<String, ForwardedShares> forwarded = coordinator.closeShareKeys();
        coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        for (var e : forwarded.entrySet()) {
            int i = ids.indexOf(e.getKey());
            t = System.nanoTime();
            SecAggMessage.MaskedInput m = clients.get(e.getKey()).maskedInput(e.getValue(), inputs[i]);
            slowest[2] = Math.max(slowest[2], (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            coordinator.receive(m);
            coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        }
        t = System.nanoTime();
        Map<String, UnmaskRequest> requests = coordinator.closeMaskedInput();
        coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        for (var e : requests.entrySet()) {
            t = System.nanoTime();
            UnmaskResponse m = clients.get(e.getKey()).unmask(e.getValue());
            slowest[3] = Math.max(slowest[3], (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            coordinator.receive(m);
            coordinatorSeconds += (System.nanoTime() - t) / 1e9;
        }
        t = System.nanoTime();
        coordinator.finish();
        double finish = (System.nanoTime() - t) / 1e9;
        coordinatorSeconds += finish;
        // The plain coordinator's work: the example-weighted mean of n float vectors, in double.
        double plain = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            t = System.nanoTime();
            double[] acc = new double[params];
            for (float[] x : inputs) {
                for (int i = 0; i < params; i++) {
                    acc[i] += 80.0 * x[i];
                }
            }
            plain = Math.min(plain, (System.nanoTime() - t) / 1e9);
            if (acc[0] == 12345) {
                System.out.print("");
            }
        }
        if (!report) {
            return;
        }
        double clientPath = slowest[0] + slowest[1] + slowest[2] + slowest[3];
        System.out.printf(Locale.ROOT, "critical path, one party at a time after a warm-up run (degree %d, threshold %d): slowest client per exchange"
                + " %.4f + %.4f + %.4f + %.4f s = %.3f s; coordinator %.3f s (unmasking %.3f s); plain sum %.4f s%n", k, p.threshold(),
                slowest[0], slowest[1], slowest[2], slowest[3], clientPath, coordinatorSeconds, finish, plain);
    }

    /** A remote client whose traffic goes to the round's current counter. */
    private static final class CountingClient implements FederatedClient {
        private final NodeIdentity key;
        private final int port;
        private final PeerChannels channels;
        private final Traffic[] traffic;

        CountingClient(NodeIdentity key, int port, PeerChannels channels, Traffic[] traffic) {
            this.key = key;
            this.port = port;
            this.channels = channels;
            this.traffic = traffic;
        }

        private RemoteFederatedClient now() {
            return new RemoteFederatedClient(key.peerId(), "127.0.0.1", port, channels, Duration.ofMinutes(10), traffic[0]);
        }

        @Override
        public String id() {
            return key.peerId().toString();
        }

        @Override
        public SignedUpdate fit(FitRequest r) throws Exception {
            return now().fit(r);
        }

        @Override
        public SignedKeys secureFit(SecureFitRequest r) throws Exception {
            return now().secureFit(r);
        }

        @Override
        public ShareKeys shareKeys(String runId, int round, List<SignedKeys> keys) throws Exception {
            return now().shareKeys(runId, round, keys);
        }

        @Override
        public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
            return now().maskedInput(runId, round, shares);
        }

        @Override
        public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
            return now().unmask(runId, round, request);
        }
    }
}
