package dev.mycel.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Time to first token as a user meets it, through real {@code mycel} processes on 127.0.0.1:
 * <ul>
 *   <li>the CLI: from starting {@code ./mycel generate} to the first generated text on its
 *       standard output, locally and with {@code --network} through block-server nodes (each
 *       run a new process, JVM start-up and joining the network included), in turn;</li>
 *   <li>the HTTP API of a warm node: from sending a streamed chat completion to the first chunk
 *       that carries text, for a model the node runs itself and for the same model through the
 *       network, in turn.</li>
 * </ul>
 *
 * <pre>
 * java -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.FirstTokenBenchmark MODEL [SERVERS] [RUNS]
 * </pre>
 * Run from the repository root (it starts {@code ./mycel}); SERVERS nodes split the model's
 * blocks (default 2), RUNS pairs per row (default 5). Prints min, median and max per row.
 */
public final class FirstTokenBenchmark {
    private static final String PROMPT = "Once upon a time";
    private final Path model;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();

    private FirstTokenBenchmark(Path model, Path dir) {
        this.model = model;
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FirstTokenBenchmark MODEL [SERVERS] [RUNS]   (from the repository root)");
            System.exit(2);
        }
        Path model = Path.of(args[0]).toAbsolutePath();
        int servers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        FirstTokenBenchmark b = new FirstTokenBenchmark(model, Files.createTempDirectory("mycel-ttft"));
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll));
        try {
            b.run(servers, runs);
        } finally {
            b.stopAll();
        }
    }

    private void run(int servers, int runs) throws Exception {
        int layers = layers();
        int base = freePort();
        for (int i = 0; i < servers; i++) {
            int first = layers * i / servers;
            int last = layers * (i + 1) / servers - 1;
            List<String> args = new ArrayList<>(List.of("node", "start", "--data", dir.resolve("server-" + i).toString(),
                    "--listen", "127.0.0.1:" + (base + i), "--serve", model + ":" + first + "-" + last,
                    "--set", "dht.refresh_interval=\"5s\"", "--set", "dht.republish_interval=\"10s\""));
            if (i > 0) {
                args.addAll(List.of("--bootstrap", "127.0.0.1:" + base));
            }
            start(dir.resolve("server-" + i + ".log"), args);
        }
        String bootstrap = "127.0.0.1:" + base;
        // Until a network generation works, the servers are still starting or announcing.
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (cliFirstToken(true, bootstrap) < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the servers never served a generation; logs in " + dir);
            }
            Thread.sleep(1000);
        }
        System.out.printf(Locale.ROOT, "model %s, %d servers of %d blocks each side of 127.0.0.1, %d runs%n",
                model.getFileName(), servers, layers, runs);
        double[] local = new double[runs];
        double[] network = new double[runs];
        for (int r = 0; r < runs; r++) {
            local[r] = cliFirstToken(false, bootstrap);
            network[r] = cliFirstToken(true, bootstrap);
        }
        row("CLI generate, local", local);
        row("CLI generate --network", network);

        // Two warm nodes: one runs the model itself, the other through the servers (a node names
        // both after the file, so one node cannot hold both).
        int localHttp = freePort();
        int networkHttp = freePort();
        start(dir.resolve("http-local.log"), List.of("node", "start", "--data", dir.resolve("http-local").toString(),
                "--listen", "127.0.0.1:0", "--bootstrap", bootstrap, "--http", "127.0.0.1:" + localHttp,
                "--http-model", model.toString()));
        start(dir.resolve("http-network.log"), List.of("node", "start", "--data", dir.resolve("http-network").toString(),
                "--listen", "127.0.0.1:0", "--bootstrap", bootstrap, "--http", "127.0.0.1:" + networkHttp,
                "--http-network-model", model.toString()));
        String id = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        URI localUri = URI.create("http://127.0.0.1:" + localHttp + "/v1/chat/completions");
        URI networkUri = URI.create("http://127.0.0.1:" + networkHttp + "/v1/chat/completions");
        try (HttpClient client = HttpClient.newHttpClient()) {
            for (URI uri : List.of(localUri, networkUri)) {
                deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (httpFirstToken(client, uri, id) < 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the HTTP node at " + uri + " never answered; logs in " + dir);
                    }
                    Thread.sleep(500);
                }
            }
            for (int w = 0; w < 20; w++) { // warm: the JIT has compiled both paths
                httpFirstToken(client, localUri, id);
                httpFirstToken(client, networkUri, id);
            }
            double[] hl = new double[runs * 4];
            double[] hn = new double[runs * 4];
            for (int r = 0; r < hl.length; r++) {
                hl[r] = httpFirstToken(client, localUri, id);
                hn[r] = httpFirstToken(client, networkUri, id);
            }
            row("HTTP chat stream, local model", hl);
            row("HTTP chat stream, network model", hn);
        }
    }

    private int layers() throws IOException, InterruptedException {
        Path out = dir.resolve("info.txt");
        Process p = start(out, List.of("model", "info", model.toString(), "--json"));
        p.waitFor();
        String text = Files.readString(out);
        var m = java.util.regex.Pattern.compile("\"(?:layers|block_count)\"\\s*:\\s*(\\d+)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the model's block count: " + text);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Seconds from starting {@code mycel generate} to its first generated text; -1 if it failed. */
    private double cliFirstToken(boolean network, String bootstrap) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("./mycel", "generate", "-m", model.toString(), "-p", PROMPT, "-n", "4",
                "--temperature", "0"));
        if (network) {
            cmd.addAll(List.of("--network", "--bootstrap", bootstrap));
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        double first = -1;
        try (InputStream in = p.getInputStream()) {
            byte[] prompt = PROMPT.getBytes(StandardCharsets.UTF_8);
            int seen = 0;
            for (int c; (c = in.read()) >= 0; ) {
                if (seen < prompt.length) {
                    seen++; // the prompt is echoed before generation starts
                } else if (first < 0) {
                    first = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        return p.waitFor() == 0 ? first : -1;
    }

    /** Seconds from sending a streamed chat request to the first chunk with text; -1 if it failed. */
    private static double httpFirstToken(HttpClient client, URI uri, String model) throws InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":4,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        long t0 = System.nanoTime();
        try {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                return -1;
            }
            double first = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (first < 0 && line.startsWith("data:") && line.matches(".*\"content\":\"[^\"]+.*")) {
                        first = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            return first;
        } catch (IOException e) {
            return -1;
        }
    }

    private static void row(String name, double[] seconds) {
        double[] s = Arrays.stream(seconds).filter(x -> x >= 0).sorted().toArray();
        if (s.length == 0) {
            System.out.printf(Locale.ROOT, "%-34s  every run failed%n", name);
            return;
        }
        System.out.printf(Locale.ROOT, "%-34s  min %8.3f s  median %8.3f s  max %8.3f s  (%d runs)%n", name, s[0],
                s[s.length / 2], s[s.length - 1], s.length);
    }

    private Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("./mycel");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        return p;
    }

    private void stopAll() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
