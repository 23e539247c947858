package dev.mycel.node.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.inference.server.Fault;
import dev.mycel.node.daemon.AdminClient;
import dev.mycel.node.daemon.DataDir;
import dev.mycel.node.daemon.HostPort;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.node.daemon.NodeException;
import dev.mycel.node.daemon.NodeInfo;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A local test network: N node processes on 127.0.0.1, node i listening on port P + i with its
 * own data folder DIR/node-i, every node but the first joining through the first. Each node is
 * a child JVM running the same classes with the same JVM flags as this one, its output in
 * DIR/node-i/node.log. DIR/devnet.json records the processes, so {@link #stop(Path, Duration)}
 * can end them from another process.
 */
public final class Devnet implements AutoCloseable {
    public static final String FILE = "devnet.json";
    /** The config the nodes get when none is given: short intervals, so the network settles in seconds. */
    public static final String DEFAULT_CONFIG = "devnet.toml";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(250);

    /**
     * @param nodes     how many nodes
     * @param basePort  node i listens on basePort + i
     * @param dir       where the data folders, logs and devnet.json go
     * @param config    the nodes' config file (null: write {@value #DEFAULT_CONFIG} with short intervals)
     * @param mainClass the class whose main runs {@code mycel}
     * @param serve     what every node serves, as {@code node start --serve} takes it (null: nothing)
     * @param faults    faults that nodes play, by node index (only with {@code serve})
     */
    public record Options(int nodes, int basePort, Path dir, Path config, String mainClass, String serve,
                          Map<Integer, Fault> faults) {
        public Options {
            if (nodes < 1 || nodes > 64) {
                throw new NodeException("--nodes must be within 1..64, got " + nodes);
            }
            if (basePort < 1024 || basePort + nodes - 1 > 65535) {
                throw new NodeException("--base-port must leave room for " + nodes + " ports within 1024..65535, got " + basePort);
            }
            dir = dir.toAbsolutePath().normalize();
            faults = Map.copyOf(faults);
            for (int i : faults.keySet()) {
                if (i < 0 || i >= nodes) {
                    throw new NodeException("--fault names node " + i + ", but the devnet has nodes 0.." + (nodes - 1));
                }
            }
            if (!faults.isEmpty() && serve == null) {
                throw new NodeException("--fault makes a node's block server misbehave: give the nodes blocks to serve"
                        + " with --serve MODEL");
            }
        }

        /** A devnet of plain nodes: no blocks served, no faults. */
        public Options(int nodes, int basePort, Path dir, Path config, String mainClass) {
            this(nodes, basePort, dir, config, mainClass, null, Map.of());
        }
    }

    /** One node of the devnet; its peer id and admin address are known once it has started. */
    public static final class Member {
        private final int index;
        private final Path dataDir;
        private final HostPort listen;
        private final Process process;
        private volatile String peerId;
        private volatile String admin;
        private volatile int peers;

        Member(int index, Path dataDir, HostPort listen, Process process) {
            this.index = index;
            this.dataDir = dataDir;
            this.listen = listen;
            this.process = process;
        }

        public int index() {
            return index;
        }

        public Path dataDir() {
            return dataDir;
        }

        public HostPort listen() {
            return listen;
        }

        public long pid() {
            return process.pid();
        }

        public Process process() {
            return process;
        }

        public String peerId() {
            return peerId;
        }

        public String admin() {
            return admin;
        }

        /** Peers in its routing table when last asked. */
        public int peers() {
            return peers;
        }

        Path log() {
            return dataDir.resolve("node.log");
        }
    }

    private final Options options;
    private final List<Member> members = new ArrayList<>();
    private Path config;
    private int k;
    private volatile boolean closed;

    public Devnet(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /** True once {@link #close} has begun (Ctrl-C, or a failure). */
    public boolean closed() {
        return closed;
    }

    public synchronized List<Member> members() {
        return List.copyOf(members);
    }

    /** Peers each routing table must hold for the network to count as settled: everyone else, up to k. */
    public int target() {
        return Math.min(options.nodes() - 1, k);
    }

    /**
     * Checks that nothing runs in the folder and the ports are free, then starts node 0, waits
     * until it answers, and starts the others (which join through it).
     */
    public void launch(Duration timeout) throws IOException, InterruptedException {
        Path dir = options.dir();
        Files.createDirectories(dir);
        refuseIfRunning(dir);
        config = options.config() != null ? options.config().toAbsolutePath() : writeDefaultConfig(dir);
        k = NodeConfig.load(config, List.of()).k();
        for (int i = 0; i < options.nodes(); i++) {
            int port = options.basePort() + i;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                throw new NodeException("port " + port + " on 127.0.0.1 is in use; choose another --base-port");
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        spawn(0);
        writeFile();
        awaitNodeFile(members.getFirst(), deadline);
        for (int i = 1; i < options.nodes(); i++) {
            spawn(i);
        }
        writeFile();
    }

    private static Path writeDefaultConfig(Path dir) throws IOException {
        Path file = dir.resolve(DEFAULT_CONFIG);
        if (!Files.exists(file)) {
            Files.writeString(file, """
                    # Written by mycel devnet for its nodes. A devnet lives on one machine for tests and
                    # demos, so buckets are refreshed every few seconds (a node that joined while others
                    # were still starting finds them at once) and records are renewed every minute.
                    # Edit freely: devnet uses this file as it finds it, or pass --config.
                    [dht]
                    refresh_interval = "5s"
                    republish_interval = "1m"
                    provider_ttl = "5m"
                    """);
        }
        return file;
    }

    /** Node 0's id (the others start once its node.json is written), so the others can be told where the ledger is. */
    private String ledgerHost() {
        return dev.mycel.node.daemon.NodeInfo.read(options.dir().resolve("node-0")).orElseThrow(
                () -> new NodeException("node 0 has not written its node.json")).peerId();
    }

    private void spawn(int i) throws IOException {
        Path data = options.dir().resolve("node-" + i);
        DataDir.create(data);
        HostPort listen = new HostPort("127.0.0.1", options.basePort() + i);
        List<String> cmd = javaCommand(options.mainClass());
        cmd.addAll(List.of("node", "start", "--config", config.toString(), "--data", data.toString(),
                "--listen", listen.toString(), "--admin-listen", "127.0.0.1:0", "--set", "devnet.member=true"));
        if (options.serve() != null) {
            cmd.addAll(List.of("--serve", options.serve()));
        }
        Fault fault = options.faults().get(i);
        if (fault != null) {
            cmd.addAll(List.of("--set", "fault.mode=\"" + fault.kind().word() + "\"",
                    "--set", "fault.after_steps=" + fault.afterSteps()));
        }
        if (i > 0) {
            cmd.addAll(List.of("--bootstrap", "127.0.0.1:" + options.basePort()));
        }
        // Node 0 hosts the devnet's ledger, with a faucet; the others use it (mycel faucet, wallet, channel).
        if (i == 0) {
            cmd.addAll(List.of("--set", "ledger.host=true", "--set", "ledger.faucet=true", "--set", "ledger.chain=\"mycel-devnet\""));
        } else {
            cmd.addAll(List.of("--set", "ledger.address=\"" + ledgerHost() + "@127.0.0.1:" + options.basePort() + "\""));
        }
        Path log = data.resolve("node.log");
        Files.writeString(log, "# " + Instant.now() + ": " + String.join(" ", cmd) + "\n");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        synchronized (this) {
            members.add(new Member(i, data, listen, p));
        }
    }

    /**
     * The command that starts this same program in a new JVM: this JVM's java, its flags (less
     * debugger and agent flags, which would clash) and its class path.
     */
    public static List<String> javaCommand(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String f : flags) {
            if (!f.startsWith("-agentlib:") && !f.startsWith("-javaagent:") && !f.startsWith("-Xrunjdwp") && !f.equals("-Xdebug")) {
                cmd.add(f);
            }
        }
        if (flags.stream().noneMatch(f -> f.startsWith("--enable-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }

    private void awaitNodeFile(Member m, long deadline) throws InterruptedException {
        while (true) {
            checkAlive(m);
            Optional<NodeInfo> info = readInfo(m);
            if (info.isPresent()) {
                m.peerId = info.get().peerId();
                m.admin = info.get().admin();
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new NodeException("node " + m.index() + " did not start in time; see " + m.log());
            }
            Thread.sleep(POLL);
        }
    }

    /** node.json of this very process (a stale one from an earlier run has another pid). */
    private static Optional<NodeInfo> readInfo(Member m) {
        try {
            return NodeInfo.read(m.dataDir()).filter(i -> i.pid() == m.pid());
        } catch (NodeException halfWritten) {
            return Optional.empty();
        }
    }

    private void checkAlive(Member m) {
        if (!m.process().isAlive()) {
            throw new NodeException("node " + m.index() + " exited with code " + m.process().exitValue() + ": "
                    + lastLine(m.log()) + " (log: " + m.log() + ")");
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank() && !lines.get(i).startsWith("\tat ")) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException e) {
            // Fall through: the path is in the message anyway.
        }
        return "no output";
    }

    /**
     * Waits until every routing table holds {@link #target()} peers, reporting (filled, wanted)
     * peer counts summed over the nodes as it goes; fails naming the laggards when time runs out.
     */
    public void awaitFilled(Duration timeout, BiConsumer<Integer, Integer> progress) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int want = target();
        while (true) {
            int done = 0;
            boolean all = true;
            for (Member m : members()) {
                checkAlive(m);
                if (m.peerId() == null) {
                    readInfo(m).ifPresent(i -> {
                        m.peerId = i.peerId();
                        m.admin = i.admin();
                    });
                }
                if (m.peerId() != null) {
                    try {
                        JsonNode s = AdminClient.forDataDir(m.dataDir()).get("/v1/status");
                        m.peers = s.path("peers").asInt();
                    } catch (NodeException notYet) {
                        // Still starting (or stopping): asked again on the next round.
                    }
                }
                done += Math.min(m.peers(), want);
                all &= m.peers() >= want && m.peerId() != null;
            }
            progress.accept(done, want * options.nodes());
            if (all) {
                writeFile();
                return;
            }
            if (System.nanoTime() > deadline) {
                List<String> short_ = new ArrayList<>();
                for (Member m : members()) {
                    if (m.peers() < want || m.peerId() == null) {
                        short_.add("node " + m.index() + " has " + m.peers());
                    }
                }
                throw new NodeException("the routing tables were not filled within " + timeout.toSeconds() + " s ("
                        + String.join(", ", short_) + " of " + want + " peers); see the logs in " + options.dir());
            }
            Thread.sleep(POLL);
        }
    }

    /** Blocks until every node process has ended; reports each that ends. */
    public void awaitExit(BiConsumer<Member, Integer> exited) throws InterruptedException {
        for (Member m : members()) {
            int code = m.process().waitFor();
            if (!closed) {
                exited.accept(m, code);
            }
        }
    }

    private synchronized void writeFile() throws IOException {
        ObjectNode o = JSON.createObjectNode();
        ProcessHandle self = ProcessHandle.current();
        o.put("pid", self.pid());
        o.put("start_ms", startMs(self));
        o.put("dir", options.dir().toString());
        o.put("base_port", options.basePort());
        ArrayNode a = o.putArray("nodes");
        for (Member m : members) {
            ObjectNode n = a.addObject();
            n.put("index", m.index()).put("pid", m.pid()).put("start_ms", startMs(m.process().toHandle()))
                    .put("data_dir", m.dataDir().toString()).put("listen", m.listen().toString())
                    .put("peer_id", m.peerId()).put("admin", m.admin());
        }
        DataDir.writeAtomically(options.dir().resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n", false);
    }

    /**
     * When the process started (ms since the epoch), or -1: recorded beside each pid so that a
     * later stop never signals an unrelated process that was given a recycled pid.
     */
    private static long startMs(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private static Optional<ProcessHandle> live(JsonNode entry) {
        Optional<ProcessHandle> p = ProcessHandle.of(entry.path("pid").asLong(-1)).filter(ProcessHandle::isAlive);
        long recorded = entry.path("start_ms").asLong(-1);
        return p.filter(h -> recorded < 0 || startMs(h) < 0 || Math.abs(startMs(h) - recorded) < 1000);
    }

    private static void refuseIfRunning(Path dir) throws IOException {
        JsonNode o = readFile(dir);
        if (o == null) {
            return;
        }
        boolean running = live(o).isPresent();
        for (JsonNode n : o.path("nodes")) {
            running |= live(n).isPresent();
        }
        if (running) {
            throw new NodeException("a devnet is already running in " + dir + " (pid " + o.path("pid").asLong()
                    + "); stop it with: mycel devnet stop --dir " + dir);
        }
    }

    private static JsonNode readFile(Path dir) throws IOException {
        try {
            JsonNode o = JSON.readTree(Files.readString(dir.resolve(FILE)));
            return o != null && o.isObject() ? o : null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new NodeException(dir.resolve(FILE) + " is damaged; delete it once no devnet node runs");
        }
    }

    /** Stops every node: SIGTERM, then SIGKILL for any still running a few seconds later. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> handles = new ArrayList<>();
        for (Member m : members()) {
            handles.add(m.process().toHandle());
        }
        terminate(handles, Duration.ofSeconds(5));
        try {
            JsonNode o = readFile(options.dir());
            if (o != null && o.path("pid").asLong() == ProcessHandle.current().pid()) {
                Files.deleteIfExists(options.dir().resolve(FILE));
            }
        } catch (IOException | NodeException e) {
            // The file names only dead processes now; the next devnet start overwrites it.
        }
    }

    /** SIGTERM to each, a grace period, then SIGKILL to those left; returns how many were running. */
    private static int terminate(List<ProcessHandle> handles, Duration grace) {
        List<ProcessHandle> alive = handles.stream().filter(ProcessHandle::isAlive).toList();
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                h.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.destroyForcibly();
            } catch (java.util.concurrent.ExecutionException e) {
                // onExit never fails; nothing to do.
            }
        }
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // SIGKILL cannot be refused; a process that has not gone yet will shortly.
            }
        }
        return alive.size();
    }

    /** What {@link #stop} did. */
    public record Stopped(int nodes, boolean wasRunning) {
    }

    /**
     * Stops the devnet recorded in DIR/devnet.json from any process: the devnet process itself
     * (whose shutdown hook stops its nodes) and each node directly, in case the devnet process
     * was killed and left them behind.
     */
    public static Stopped stop(Path dir, Duration grace) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        JsonNode o = readFile(d);
        if (o == null) {
            throw new NodeException("no devnet is running in " + d + " (there is no " + FILE + ")");
        }
        List<ProcessHandle> nodes = new ArrayList<>();
        for (JsonNode n : o.path("nodes")) {
            live(n).ifPresent(nodes::add);
        }
        Optional<ProcessHandle> parent = live(o).filter(p -> p.pid() != ProcessHandle.current().pid());
        List<ProcessHandle> all = new ArrayList<>(nodes);
        parent.ifPresent(all::addFirst);
        terminate(all, grace);
        Files.deleteIfExists(d.resolve(FILE));
        return new Stopped(nodes.size(), !all.isEmpty());
    }
}
