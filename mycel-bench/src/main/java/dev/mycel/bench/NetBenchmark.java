package dev.mycel.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.mycel.bench.transfer.BulkTensorClient;
import dev.mycel.bench.transfer.TensorFrame;
import dev.mycel.bench.transfer.TensorSender;
import dev.mycel.bench.transfer.TensorTransfer;
import dev.mycel.bench.transfer.TransferLimits;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Channel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Transport benchmark between two JVMs on loopback: tensor stream throughput and request
 * round-trip latency over Mycel's authenticated transport (gRPC, TLS 1.3 with mutual
 * authentication), each beside a plain TCP baseline measured in the same run. The receiving
 * side is a second process ({@link NetBenchServer}) started from the same class path.
 *
 * <pre>java -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.NetBenchmark [--reps 8] ...</pre>
 *
 * Options (defaults in brackets): --tensor-mib [16], --tensors [8] per repetition, --reps [8],
 * --warmup [8] repetitions before those measured (the JIT needs several hundred MiB of traffic
 * before the TLS path is compiled), --echo-bytes [8192], --echo-calls [20000],
 * --echo-warmup [20000], --window [flow-control window of NetLimits.defaults()], --frame [1 MiB
 * data per frame], --paths [tcp,mycel,stubs,bulk,bulk-native] (which throughput paths to run), --echo-flush-mib [0]
 * (read that much memory before each measured round trip, untimed, so that it starts with cold
 * caches, as a block server's answer does after a step that streamed its weights). Prints Markdown
 * tables on standard output and each repetition on standard error.
 */
public final class NetBenchmark {
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    private NetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        List<String> paths = List.of(o.get("paths").split(","));
        int tensorBytes = num(o, "tensor-mib") << 20;
        int tensors = num(o, "tensors");
        int reps = num(o, "reps");
        int warmupReps = num(o, "warmup");
        int window = num(o, "window");
        int frame = num(o, "frame");
        int echoBytes = num(o, "echo-bytes");
        if (reps < 1 || tensors < 1) {
            throw new IllegalArgumentException("--reps and --tensors must be at least 1");
        }

        Process server = startServer(window, echoBytes);
        // Not closed here: the thread that drains it holds its lock; it ends with the process.
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.US_ASCII));
        try {
            String ready = out.readLine();
            while (ready != null && !ready.startsWith("READY ")) {
                // JVM options such as -XX:StartFlightRecording may print to standard output first.
                System.err.println("server: " + ready);
                ready = out.readLine();
            }
            if (ready == null) {
                throw new IllegalStateException("the server process ended before it was ready");
            }
            // Keep draining what the server prints, or it would block once the pipe is full.
            Thread.ofPlatform().daemon().start(() -> out.lines().forEach(line -> System.err.println("server: " + line)));
            String[] f = ready.split(" ");
            int mycelPort = Integer.parseInt(f[1]);
            int generatedPort = Integer.parseInt(f[2]);
            int sinkPort = Integer.parseInt(f[3]);
            int echoPort = Integer.parseInt(f[4]);
            PeerId serverId = PeerId.parse(f[5]);
            int bulkPort = Integer.parseInt(f[6]);
            int framePort = Integer.parseInt(f[7]);
            int bulkNativePort = Integer.parseInt(f[8]);

            NetLimits limits = NetLimits.defaults().withFlowControlWindow(window);
            TransferLimits transfer = TransferLimits.defaults().withFrameBytes(frame);
            try (PeerChannels channels = new PeerChannels(new TlsContexts(NodeIdentity.generate()), limits, 4)) {
                Channel mycel = channels.channel(serverId, "127.0.0.1", mycelPort);
                Channel generated = channels.channel(serverId, "127.0.0.1", generatedPort);
                byte[] random = new byte[tensorBytes];
                new SplittableRandom(42).nextBytes(random);
                long[] shape = {tensorBytes / 4 / 1024, 1024};
                TensorFrame tensor = new TensorFrame("f32", shape, ByteBuffer.wrap(random));
                ByteBuffer direct = ByteBuffer.allocateDirect(tensorBytes).put(random).flip();

                List<Path> all = List.of(
                        new Path("tcp", "plain TCP socket copy (baseline)"),
                        new Path("mycel", "Mycel tensor stream (gRPC, TLS 1.3, own marshaller)"),
                        new Path("stubs", "generated protobuf stubs (gRPC, TLS 1.3)"),
                        new Path("bulk", "Mycel bulk tensor socket (TLS 1.3, no gRPC)"),
                        new Path("bulk-native", "Mycel bulk tensor socket, tensors in native memory at both ends"));
                List<Path> run = all.stream().filter(p -> paths.contains(p.key)).toList();
                long bytes = (long) tensors * tensorBytes;
                System.err.println("throughput: " + warmupReps + " warm-up repetitions and " + reps + " measured, "
                        + tensors + " tensors of " + (tensorBytes >> 20) + " MiB each");
                try (SocketChannel tcp = PlainTcp.connect(sinkPort);
                     BulkTensorClient bulk = BulkTensorClient.connect(
                             new TlsContexts(NodeIdentity.generate()), serverId, "127.0.0.1", bulkPort, DEADLINE);
                     BulkTensorClient bulkNative = BulkTensorClient.connect(
                             new TlsContexts(NodeIdentity.generate()), serverId, "127.0.0.1", bulkNativePort, DEADLINE)) {
                    TensorFrame nativeTensor = new TensorFrame("f32", shape, direct.duplicate());
                    for (int r = -warmupReps; r < reps; r++) {
                        StringBuilder line = new StringBuilder("  rep " + r + ":");
                        // Interleaved, so that a noisy neighbour on the host slows every path alike.
                        for (Path p : run) {
                            Work work = switch (p.key) {
                                case "tcp" -> () -> PlainTcp.copy(tcp, direct, tensors);
                                case "mycel" -> () -> sendMycel(mycel, transfer, tensor, tensors);
                                case "bulk" -> () -> {
                                    for (int i = 0; i < tensors; i++) {
                                        bulk.send(tensor);
                                    }
                                };
                                case "bulk-native" -> () -> {
                                    for (int i = 0; i < tensors; i++) {
                                        bulkNative.send(nativeTensor);
                                    }
                                };
                                default -> () -> checkReceipt(GeneratedStubTransfer.send(generated, "f32", shape,
                                        ByteBuffer.wrap(random), tensors, frame, DEADLINE), tensors, tensorBytes);
                            };
                            line.append(p.measure(bytes, work, server, r >= 0));
                        }
                        System.err.println(line);
                    }
                }

                int calls = num(o, "echo-calls");
                int warmup = num(o, "echo-warmup");
                flush = new long[Math.max(1, num(o, "echo-flush-mib") << 17)];
                flushing = num(o, "echo-flush-mib") > 0;
                System.err.println("latency: " + warmup + " warm-up calls and " + calls + " measured, " + echoBytes + " bytes");
                byte[] payloadBytes = new byte[echoBytes];
                new SplittableRandom(7).nextBytes(payloadBytes);
                ByteString payload = UnsafeByteOperations.unsafeWrap(payloadBytes);
                long[] tcpNs;
                try (SocketChannel tcp = PlainTcp.connect(echoPort)) {
                    ByteBuffer req = ByteBuffer.allocateDirect(echoBytes).put(payloadBytes).flip();
                    ByteBuffer resp = ByteBuffer.allocateDirect(echoBytes);
                    tcpNs = time(warmup, calls, () -> PlainTcp.pingPong(tcp, req, resp));
                }
                long[] echoNs = time(warmup, calls, () -> {
                    if (TensorTransfer.echo(mycel, payload, DEADLINE).size() != echoBytes) {
                        throw new IllegalStateException("echo returned the wrong size");
                    }
                });
                long[] frameNs;
                try (FrameConnection frames = FrameConnection.connect(new TlsContexts(NodeIdentity.generate()), serverId,
                        "127.0.0.1", framePort, NetBenchServer.FRAME_ECHO, 1 << 20, DEADLINE)) {
                    frameNs = time(warmup, calls, () -> {
                        frames.write(payloadBytes);
                        if (frames.read().length != echoBytes) {
                            throw new IllegalStateException("frame echo returned the wrong size");
                        }
                    });
                }

                System.out.println();
                System.out.printf(Locale.ROOT, "Java %s, %d CPUs%n%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
                System.out.printf(Locale.ROOT, "Tensor stream, %d × %d MiB tensors per repetition, %d repetitions, "
                        + "flow-control window %d KiB, frames of %d KiB (MB/s = 10^6 bytes/s):%n%n",
                        tensors, tensorBytes >> 20, reps, window >> 10, frame >> 10);
                System.out.println("| path | median MB/s | min | max | median / plain TCP | CPU s per GB (both processes) |");
                System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
                double base = all.getFirst().mbps.isEmpty() ? Double.NaN : median(all.getFirst().mbps);
                for (Path p : run) {
                    System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.2f | %.2f |%n", p.name, median(p.mbps),
                            Collections.min(p.mbps), Collections.max(p.mbps), median(p.mbps) / base, median(p.cpuPerGb));
                }
                System.out.println();
                System.out.printf(Locale.ROOT, "Round trip of a %d-byte request, %d calls after %d warm-up calls%s (µs):%n%n",
                        echoBytes, calls, warmup, flushing ? ", each after reading " + num(o, "echo-flush-mib") + " MiB" : "");
                System.out.println("| path | p50 | p90 | p99 | mean |");
                System.out.println("| --- | ---: | ---: | ---: | ---: |");
                latencyRow("plain TCP ping-pong (baseline)", tcpNs);
                latencyRow("Mycel Echo (gRPC, TLS 1.3)", echoNs);
                latencyRow("Mycel frame socket echo (TLS 1.3, no gRPC)", frameNs);
            }
        } finally {
            server.getOutputStream().close();
            server.destroy();
            server.waitFor();
        }
    }

    private static void sendMycel(Channel channel, TransferLimits limits, TensorFrame tensor, int count) throws Exception {
        try (TensorSender sender = TensorTransfer.open(channel, limits, DEADLINE)) {
            for (int i = 0; i < count; i++) {
                sender.send(tensor);
            }
            checkReceipt(sender.finish(), count, tensor.byteSize());
        }
    }

    private static void checkReceipt(TransferReceipt receipt, int count, int tensorBytes) {
        if (receipt.getTensors() != count || receipt.getBytes() != (long) count * tensorBytes) {
            throw new IllegalStateException("the receiver took " + receipt.getTensors() + " tensors, "
                    + receipt.getBytes() + " bytes; sent " + count + " of " + tensorBytes);
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    /** One way of moving the tensors, and what each measured repetition gave. */
    private static final class Path {
        final String key;
        final String name;
        final List<Double> mbps = new ArrayList<>();
        final List<Double> cpuPerGb = new ArrayList<>();

        Path(String key, String name) {
            this.key = key;
            this.name = name;
        }

        /**
         * Times {@code work} and the CPU time both processes spent meanwhile (all their threads,
         * JIT and GC included); keeps the result if {@code keep}. Returns it for the log.
         */
        String measure(long bytes, Work work, Process server, boolean keep) throws Exception {
            long cpu0 = cpuNanos(server);
            long t0 = System.nanoTime();
            work.run();
            long t1 = System.nanoTime();
            long cpu1 = cpuNanos(server);
            double rate = bytes / ((t1 - t0) / 1e9) / 1e6;
            double cpu = (cpu1 - cpu0) / 1e9 / (bytes / 1e9);
            if (keep) {
                mbps.add(rate);
                cpuPerGb.add(cpu);
            }
            return String.format(Locale.ROOT, " %s %.0f MB/s (%.2f CPU s/GB)", key, rate, cpu);
        }
    }

    private static long cpuNanos(Process server) {
        long own = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        return own + server.info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static long[] time(int warmup, int calls, Work work) throws Exception {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        long[] ns = new long[calls];
        for (int i = 0; i < calls; i++) {
            if (flushing) {
                flushCaches();
            }
            long t0 = System.nanoTime();
            work.run();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        return ns;
    }

    private static long[] flush = new long[1];
    private static boolean flushing;
    private static long flushSum;

    /** Reads every cache line of {@link #flush}, so that what ran before is evicted. */
    private static void flushCaches() {
        long sum = 0;
        for (int i = 0; i < flush.length; i += 8) {
            sum += flush[i];
            flush[i] = sum;
        }
        flushSum += sum;
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void latencyRow(String name, long[] sorted) {
        System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f |%n", name,
                pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), Arrays.stream(sorted).average().orElseThrow() / 1e3);
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e3;
    }

    private static Process startServer(int window, int echoBytes) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NetBenchServer.class.getName(),
                Integer.toString(window), Integer.toString(echoBytes)));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int num(Map<String, String> o, String key) {
        return Integer.parseInt(o.get(key));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new TreeMap<>(Map.of("tensor-mib", "16", "tensors", "8", "reps", "8", "warmup", "8",
                "echo-bytes", "8192", "echo-calls", "20000", "echo-warmup", "20000",
                "window", Integer.toString(NetLimits.defaults().flowControlWindow()),
                "frame", Integer.toString(TransferLimits.defaults().frameBytes()), "paths", "tcp,mycel,stubs,bulk,bulk-native"));
        o.put("echo-flush-mib", "0");
        for (int i = 0; i < args.length; i += 2) {
            String key = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!o.containsKey(key) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + args[i] + "; options: " + o.keySet());
            }
            o.put(key, args[i + 1]);
        }
        return o;
    }
}
