package dev.mycel.node.cli;

import dev.mycel.federated.proto.EndCall;
import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.round.CoordinatorGrpcService;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.round.RemoteFederatedClient;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.round.Traffic;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.sim.ClientFleet;
import dev.mycel.federated.sim.FederatedSimulation;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code mycel fl simulate --processes}: every client a {@code mycel fl join} process of its own
 * on loopback, started with this JVM's {@code java} and class path. Each gets the key the in-JVM
 * simulation would give it (written into a temporary node folder), its share of the bundled
 * digits ({@code --shard I/N --partition KIND --partition-seed S}), its training seed and one
 * training thread by default; it joins this process's coordinator over mycel-net's mutually
 * authenticated TLS, pinned to the coordinator's id, as a node of a real deployment joins
 * {@code fl serve}. Each writes its output to {@code client-I.log} in the log folder.
 *
 * <p>A client process that dies costs only its own updates: the coordinator's calls to it fail
 * and are refused with their reason. None is restarted. Closing tells the live ones that the run
 * ended, and kills (SIGKILL) any still there after a few seconds; a shutdown hook kills them all
 * if this JVM ends first, and each child leaves by itself when its parent dies ({@code
 * --watch-parent}), so none outlives the simulation.
 */
final class ClientProcesses implements ClientFleet, AutoCloseable {
    /** Each client JVM's heap ceiling: a client holds the bundled digits and one small CNN. */
    private static final String CLIENT_HEAP = "-Xmx512m";

    private final int threads;
    private final Path logDir;
    private final PrintStream err;
    private final List<Process> processes = new ArrayList<>();
    private final Thread killer = new Thread(() -> {
        killAll();
        deleteNodeDirs();
    }, "mycel-fl-client-processes");
    private volatile Path nodeDirs;
    private NetServer door;
    private CoordinatorGrpcService joins;
    private PeerChannels channels;
    private List<CoordinatorGrpcService.Member> members = List.of();
    private boolean closed;
    private String runId = "";

    /**
     * @param threads training threads of each client process
     * @param logDir where each client's output goes ({@code client-I.log})
     * @param err where to say which process is which client, and what went wrong
     */
    private final java.util.Map<Integer, String> faults;

    ClientProcesses(int threads, Path logDir, PrintStream err) {
        this(threads, logDir, err, java.util.Map.of());
    }

    /** A fleet whose client i is started with {@code fl join --fault faults.get(i)} (tests and devnets). */
    ClientProcesses(int threads, Path logDir, PrintStream err, java.util.Map<Integer, String> faults) {
        if (threads < 1) {
            throw new UserException("--process-threads must be at least 1, not " + threads, true);
        }
        this.faults = java.util.Map.copyOf(faults);
        this.threads = threads;
        this.logDir = logDir;
        this.err = err;
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** Refuses the simulation options that cannot run across processes yet, naming each. */
    static void check(FederatedSimulation.Options o) {
        if (o.byzantineFraction() > 0) {
            throw new UserException("--byzantine cannot go with --processes yet: the attacking clients forge their updates as one"
                    + " coalition, sharing what they see in this JVM", true);
        }
        if (o.dp().equals("client-side") || o.dp().equals("example") || o.dp().equals("distributed")) {
            throw new UserException("--dp " + o.dp() + " cannot go with --processes yet: fl join takes no client-side privacy"
                    + " settings (--dp client, where the coordinator clips and adds the noise, can)", true);
        }
        if (o.transport().equals("memory")) {
            throw new UserException("--transport memory calls the clients in this process; --processes reaches each over the"
                    + " network: give one of them", true);
        }
    }

    @Override
    public synchronized List<FederatedClient> start(FederatedSimulation.Options o, NodeIdentity coordinator,
                                                    List<Member> wanted, Traffic traffic) throws IOException, InterruptedException {
        if (closed || door != null) {
            throw new IllegalStateException("a client fleet starts once");
        }
        check(o);
        long started = System.nanoTime();
        NetLimits limits = NetLimits.defaults();
        // Only for what the joining nodes are told: FederatedSimulation names its run so.
        runId = "sim-" + o.seed();
        joins = new CoordinatorGrpcService(runId, coordinator.peerId(), o.rounds(), wanted.size());
        door = NetServer.start(coordinator, new TlsContexts(coordinator), new InetSocketAddress("127.0.0.1", 0), limits,
                List.of(joins), null);
        channels = new PeerChannels(new TlsContexts(coordinator), limits, wanted.size() + 8);
        nodeDirs = Files.createTempDirectory("mycel-fl-clients-");
        Files.createDirectories(logDir);
        List<String> java = javaCommand();
        for (Member m : wanted) {
            Path nodeDir = nodeDirs.resolve("client-" + m.index());
            m.identity().saveTo(nodeDir);
            List<String> cmd = new ArrayList<>(java);
            cmd.addAll(List.of("fl", "join", "--coordinator", "127.0.0.1:" + door.port(),
                    "--coordinator-id", coordinator.peerId().toString(),
                    "--shard", m.index() + "/" + o.clients(), "--partition", o.partition(),
                    "--partition-seed", Long.toString(o.seed()), "--seed", Long.toString(m.trainingSeed()),
                    "--node-dir", nodeDir.toString(), "--threads", Integer.toString(threads), "--watch-parent"));
            if (faults.containsKey(m.index())) {
                cmd.addAll(List.of("--fault", faults.get(m.index())));
            }
            Path log = log(m.index());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            synchronized (processes) {
                processes.add(p);
            }
            err.printf("client %d: pid %d, node %s, log %s%n", m.index(), p.pid(), m.identity().peerId(), log);
        }
        // Generous: on two busy cores ten JVMs take most of a minute to start.
        awaitJoins(wanted, Duration.ofSeconds(120 + 3L * wanted.size()));
        members = joins.awaitMembers(wanted.size(), Duration.ZERO);
        Map<PeerId, CoordinatorGrpcService.Member> byPeer = new HashMap<>();
        for (CoordinatorGrpcService.Member m : members) {
            byPeer.put(m.peer(), m);
        }
        List<FederatedClient> clients = new ArrayList<>();
        for (Member w : wanted) {
            CoordinatorGrpcService.Member m = byPeer.get(w.identity().peerId());
            clients.add(new Watched(new RemoteFederatedClient(m.peer(), m.host(), m.port(), channels, o.deadline(), traffic),
                    processes.get(w.index())));
        }
        err.printf(Locale.ROOT, "%d client processes joined in %.1f s%n", wanted.size(), (System.nanoTime() - started) / 1e9);
        return clients;
    }

    /** A client process as the coordinator calls it: a call that fails because the process died says so. */
    private record Watched(FederatedClient remote, Process process) implements FederatedClient {
        private interface Call<T> {
            T run() throws Exception;
        }

        @Override
        public String id() {
            return remote.id();
        }

        private <T> T watch(Call<T> call) throws Exception {
            try {
                return call.run();
            } catch (IOException e) {
                // The connection breaks as the process dies; give the JVM a moment to see it go.
                if (process.waitFor(2, TimeUnit.SECONDS)) {
                    int code = process.exitValue();
                    throw new IOException("its process (pid " + process.pid() + ") ended with exit code " + code
                            + (code > 128 ? " (signal " + (code - 128) + ")" : "") + "; " + e.getMessage(), e);
                }
                throw e;
            }
        }

        @Override
        public SignedUpdate fit(FitRequest request) throws Exception {
            return watch(() -> remote.fit(request));
        }

        @Override
        public SignedKeys secureFit(SecureFitRequest request) throws Exception {
            return watch(() -> remote.secureFit(request));
        }

        @Override
        public ShareKeys shareKeys(String runId, int round, List<SignedKeys> keys) throws Exception {
            return watch(() -> remote.shareKeys(runId, round, keys));
        }

        @Override
        public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
            return watch(() -> remote.maskedInput(runId, round, shares));
        }

        @Override
        public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
            return watch(() -> remote.unmask(runId, round, request));
        }
    }

    /** Waits until every wanted client joined; fails at once when one of their processes ends first. */
    private void awaitJoins(List<Member> wanted, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            java.util.Set<PeerId> joined = new java.util.HashSet<>();
            for (CoordinatorGrpcService.Member m : joins.members()) {
                joined.add(m.peer());
            }
            Member missing = null;
            int absent = 0;
            for (Member w : wanted) {
                if (joined.contains(w.identity().peerId())) {
                    continue;
                }
                absent++;
                if (missing == null) {
                    missing = w;
                }
                Process p = processes.get(w.index());
                if (!p.isAlive()) {
                    throw new UserException("client " + w.index() + "'s process (pid " + p.pid() + ") exited with code "
                            + p.exitValue() + " before joining the run; " + log(w.index()) + " ends: " + lastLines(log(w.index())));
                }
            }
            if (absent == 0) {
                return;
            }
            if (System.nanoTime() > until) {
                throw new UserException(absent + " of " + wanted.size() + " client processes did not join within "
                        + timeout.toSeconds() + " s (client " + missing.index() + " among them; see " + log(missing.index()) + ")");
            }
            Thread.sleep(50);
        }
    }

    private Path log(int client) {
        return logDir.resolve("client-" + client + ".log");
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(nothing)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * This JVM's {@code java} with the flags every Mycel JVM needs (as the {@code mycel} launcher
     * gives them), those of this JVM's flags that decide how the kernels run (vector width,
     * bounds checks, JIT levels, the launcher's start-up cache), its class path and the main class.
     */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC", "-Xms32m", "-Xss4m", CLIENT_HEAP));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (inherited(a)) {
                cmd.add(a);
            }
        }
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                classPath.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        cmd.add(Main.class.getName());
        return cmd;
    }

    private static boolean inherited(String flag) {
        for (String prefix : List.of("-Djdk.incubator.vector.", "-Dmycel.", "-XX:AOTCache=", "-Xlog:aot", "-Xlog:cds",
                "-XX:TieredStopAtLevel=", "-XX:TrimNativeHeapInterval=", "-XX:MaxVectorSize=", "-XX:UseAVX=")) {
            if (flag.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Tells the live clients that the run ended, then kills whatever is left, and removes the node folders. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            endRun();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Process p : processes) {
                try {
                    p.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            killAll();
            for (Process p : processes) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (channels != null) {
                channels.close();
            }
            if (door != null) {
                door.close();
            }
            deleteNodeDirs();
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to: it kills them too.
            }
        }
    }

    /** Sends End to every client that joined and is still alive, in parallel, 10 s each at most. */
    private void endRun() {
        if (channels == null) {
            return;
        }
        try (ExecutorService ends = Executors.newVirtualThreadPerTaskExecutor()) {
            for (CoordinatorGrpcService.Member m : members) {
                ends.submit(() -> {
                    try {
                        FederatedGrpc.newBlockingStub(channels.channel(m.peer(), m.host(), m.port()))
                                .withDeadlineAfter(10, TimeUnit.SECONDS).end(EndCall.newBuilder().setRunId(runId).build());
                    } catch (RuntimeException gone) {
                        // A killed client: nothing to tell.
                    }
                });
            }
        }
    }

    private void killAll() {
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
        }
        for (Process p : all) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private void deleteNodeDirs() {
        Path dirs = nodeDirs;
        if (dirs == null || !Files.exists(dirs)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dirs)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            err.println("mycel: could not remove the client processes' node folders in " + dirs + ": " + e.getMessage());
        }
    }
}
