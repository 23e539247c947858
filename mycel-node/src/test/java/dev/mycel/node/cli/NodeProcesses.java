package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mycel.node.daemon.AdminClient;
import dev.mycel.node.daemon.NodeException;
import dev.mycel.node.daemon.NodeInfo;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Real {@code mycel} processes for tests: each a fresh JVM on this test's class path, its output
 * in a log file that failures quote. {@link #close} kills every one (and anything they started),
 * whatever state the test left them in.
 */
final class NodeProcesses implements AutoCloseable {
    /**
     * The flags every Mycel JVM needs, plus ones that make the many small JVMs of a test start
     * quickly on two cores: the C1 compiler only, the serial collector, a modest heap.
     */
    static final List<String> JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m");

    /**
     * For processes that run a big model: the JIT's optimising compiler (the Vector API's kernels
     * run scalar without it) and room for a large vocabulary.
     */
    static final List<String> BIG_MODEL_JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx1g");

    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final List<String> jvmFlags;

    NodeProcesses() {
        this(JVM_FLAGS);
    }

    NodeProcesses(List<String> jvmFlags) {
        this.jvmFlags = List.copyOf(jvmFlags);
    }

    /** Starts {@code mycel ARGS...}, with stdout and stderr going to {@code log}. */
    Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        synchronized (this) {
            processes.add(p);
            logs.add(log);
        }
        return p;
    }

    /** Starts {@code mycel node start --config CONFIG --data DATA EXTRA...}, logging to DATA/node.log. */
    Process startNode(Path config, Path data, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("node", "start", "--config", config.toString(), "--data", data.toString()));
        args.addAll(List.of(extra));
        return start(data.resolve("node.log"), args.toArray(String[]::new));
    }

    /** Waits until the node process has written its node.json and returns it. */
    NodeInfo awaitStarted(Process p, Path data, Duration timeout) throws InterruptedException {
        AtomicReference<Optional<NodeInfo>> found = new AtomicReference<>(Optional.empty());
        awaitTrue(timeout, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("node on " + data + " exited with " + p.exitValue() + "\n" + tail(data.resolve("node.log")));
            }
            try {
                found.set(NodeInfo.read(data).filter(i -> i.pid() == p.pid()));
            } catch (NodeException halfWritten) {
                return false;
            }
            return found.get().isPresent();
        }, () -> "node on " + data + " did not start\n" + tail(data.resolve("node.log")));
        return found.get().orElseThrow();
    }

    /** The admin API's answer, or null while the node cannot answer. */
    static JsonNode get(Path data, String path) {
        try {
            return AdminClient.forDataDir(data).get(path);
        } catch (NodeException notNow) {
            return null;
        }
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout.toSeconds() + " s: " + failure.get());
            }
            Thread.sleep(200);
        }
    }

    /** The last lines of every log, for a failure message. */
    synchronized String logs() {
        StringBuilder b = new StringBuilder();
        for (Path log : logs) {
            b.append("\n--- ").append(log).append('\n').append(tail(log));
        }
        return b.toString();
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A free port on loopback (free when asked; the test binds it moments later). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The first of {@code n} consecutive ports that are all free on 127.0.0.1. */
    static int freePorts(int n) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            boolean free = true;
            for (int i = 0; i < n && free; i++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress("127.0.0.1", base + i));
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports");
    }

    /** Kills every process this started and everything they started, and waits for them to go. */
    @Override
    public synchronized void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
