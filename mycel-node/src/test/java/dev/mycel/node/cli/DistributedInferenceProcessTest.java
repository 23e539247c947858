package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.inference.DhtServerDirectory;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.generate.SamplerConfig;
import dev.mycel.model.testing.TestData;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.node.daemon.NetworkClient;
import dev.mycel.node.daemon.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed inference between real node processes on 127.0.0.1 serving blocks of the shipped
 * model: generation through them equals single-process generation bit for bit, even when the
 * servers on the route are killed with SIGKILL in the middle, one after another.
 */
class DistributedInferenceProcessTest {
    private static final Path MODEL = TestData.shippedModel("stories260K.gguf");
    private static final String PROMPT = "Once upon a time";
    private final NodeProcesses procs = new NodeProcesses();
    private final Map<String, Process> byPeer = new HashMap<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        procs.close();
    }

    private static GenerationOptions options() {
        return new GenerationOptions(48, new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.1f, 64, 99), List.of(), true);
    }

    /** Starts one node per span ("0-1", ...); the first is the bootstrap node. Returns its port. */
    private int startServers(String... spans) throws Exception {
        Path config = dir.resolve("node.toml");
        Files.writeString(config, "[dht]\nrefresh_interval = \"5s\"\nrepublish_interval = \"10s\"\n");
        // Every node takes a free port itself (a port picked for it beforehand may be taken by
        // another process before it binds); the others join through the port the first reports.
        int base = -1;
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < spans.length; i++) {
            Path data = dir.resolve("node-" + i);
            List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0",
                    "--serve", MODEL + ":" + spans[i], "--set", "serve.threads=1"));
            if (i > 0) {
                args.addAll(List.of("--bootstrap", "127.0.0.1:" + base));
            }
            Process p = procs.startNode(config, data, args.toArray(String[]::new));
            ps.add(p);
            if (i == 0) {
                String listen = procs.awaitStarted(p, data, Duration.ofSeconds(60)).listen();
                base = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
            }
        }
        for (int i = 0; i < spans.length; i++) {
            NodeInfo info = procs.awaitStarted(ps.get(i), dir.resolve("node-" + i), Duration.ofSeconds(60));
            byPeer.put(info.peerId(), ps.get(i));
        }
        return base;
    }

    private static GenerationResult local() {
        try (LoadedModel m = LoadedModel.open(MODEL, 1)) {
            return new Generator(m.model(), m.tokenizer()).generate(m.tokenizer().encode(PROMPT, true, false), 128,
                    options(), s -> { });
        }
    }

    private NetworkClient join(int port, int servers) throws Exception {
        NetworkClient net = NetworkClient.join(MODEL, List.of(new BootstrapAddress(null, "127.0.0.1", port)), 1,
                Duration.ofSeconds(60), m -> { });
        byte[] hash = ModelHash.of(MODEL);
        NodeProcesses.awaitTrue(Duration.ofSeconds(60), () -> new DhtServerDirectory(net.dht()).servers(hash).size() == servers,
                () -> "not every server announced itself\n" + procs.logs());
        return net;
    }

    @Test
    void generationSurvivesServersKilledOneAfterAnother() throws Exception {
        GenerationResult expected = local();
        int port = startServers("0-1", "2-4", "0-2", "3-4", "0-4");
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (NetworkClient net = join(port, 5)) {
            net.client().onEvent(events::add);
            AtomicInteger pieces = new AtomicInteger();
            List<String> killed = new ArrayList<>();
            GenerationResult got;
            try (RemoteSequence seq = net.client().sequence(128, RemoteSequence.Options.defaults()
                    .withStepTimeout(Duration.ofSeconds(20)))) {
                got = new Generator(net.client().localModel(), net.client().tokenizer()).generate(seq,
                        net.client().tokenizer().encode(PROMPT, true, false), options(), s -> {
                            int n = pieces.incrementAndGet();
                            if (n == 8 || n == 20) {
                                String victim = seq.route().getFirst().server().peer().toString();
                                Process p = byPeer.get(victim);
                                p.destroyForcibly(); // SIGKILL
                                try {
                                    p.waitFor();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                killed.add(victim + " exit " + p.exitValue());
                            }
                        });
            }
            assertEquals(2, killed.size(), String.join("\n", events));
            assertArrayEquals(expected.tokens(), got.tokens(), String.join("\n", events));
            assertEquals(expected.logitsSha256(), got.logitsSha256());
            assertEquals(expected.text(), got.text());
            assertTrue(events.stream().filter(e -> e.contains("re-routing")).count() >= 2, String.join("\n", events));
        }
    }

    /**
     * A new client started right after a server was SIGKILLed (its announcement still in the DHT,
     * and it the fastest, so the first choice as a spot check's second server) and right after
     * one was stopped cleanly (its announcement withdrawn) prints the JSON of one process, with
     * the default spot checks.
     */
    @Test
    void aNewClientRightAfterAServerDiedOrStoppedGetsTheBitsOfOneProcess() throws Exception {
        int port = startServers("0-4", "0-4", "0-4", "0-4");
        Path localLog = dir.resolve("local.json");
        Process local = procs.start(localLog, "generate", "-m", MODEL.toString(), "--json", "--seed", "5", "-n", "24",
                "-p", PROMPT);
        assertEquals(0, local.waitFor(), NodeProcesses.tail(localLog));
        ObjectMapper json = new ObjectMapper();
        JsonNode expected = json.readTree(jsonLine(localLog));
        byte[] hash = ModelHash.of(MODEL);
        String bootstrapPeer = NodeInfo.read(dir.resolve("node-0")).orElseThrow().peerId();
        try (NetworkClient net = join(port, 4)) {
            DhtServerDirectory directory = new DhtServerDirectory(net.dht());
            var fastest = directory.servers(hash).stream().filter(e -> !e.peer().toString().equals(bootstrapPeer))
                    .max(java.util.Comparator.comparingDouble(e -> e.info().getBlocksPerSecond())).orElseThrow();
            Process killed = byPeer.get(fastest.peer().toString());
            killed.destroyForcibly();
            killed.waitFor();
            assertEquals(expected, json.readTree(jsonLine(generateThroughNetwork(port, "after-kill.json"))));

            var stopping = directory.servers(hash).stream().map(e -> e.peer().toString())
                    .filter(p -> !p.equals(bootstrapPeer) && !p.equals(fastest.peer().toString())).findFirst().orElseThrow();
            Path stoppedData = java.util.stream.IntStream.range(1, 4).mapToObj(i -> dir.resolve("node-" + i))
                    .filter(d -> NodeInfo.read(d).map(info -> info.peerId().equals(stopping)).orElse(false))
                    .findFirst().orElseThrow();
            Process stopped = byPeer.get(stopping);
            stopped.destroy(); // SIGTERM: a clean stop
            stopped.waitFor();
            String stoppedLog = Files.readString(stoppedData.resolve("node.log"));
            assertTrue(stoppedLog.contains("withdrew the served blocks"), stoppedLog);
            assertTrue(directory.servers(hash).stream().noneMatch(e -> e.peer().toString().equals(stopping)),
                    "a cleanly stopped server is still listed");
            assertEquals(expected, json.readTree(jsonLine(generateThroughNetwork(port, "after-stop.json"))));
        }
    }

    /**
     * {@code mycel devnet --serve --fault}: of a devnet's two servers, the second perturbs its
     * outputs; a client with the default spot checks compares the two on its first step, has the
     * dispute refereed, bans the liar, files the proof and prints the JSON of one process; a
     * second client avoids the liar on the strength of that proof alone. A node outside a devnet
     * refuses the same fault.
     */
    @Test
    void aDevnetsPerturbingServerIsCaughtByTheDefaultSpotChecks() throws Exception {
        int base = NodeProcesses.freePorts(2);
        Path net = dir.resolve("devnet");
        Path out = dir.resolve("devnet.out");
        procs.start(out, "devnet", "--nodes", "2", "--base-port", Integer.toString(base), "--dir", net.toString(),
                "--serve", MODEL.toString(), "--fault", "1=perturb", "--timeout", "60");
        Path localLog = dir.resolve("local.json");
        Process local = procs.start(localLog, "generate", "-m", MODEL.toString(), "--json", "--seed", "5", "-n", "24",
                "-p", PROMPT);
        assertEquals(0, local.waitFor(), NodeProcesses.tail(localLog));
        try (NetworkClient client = join(base, 2)) {
            NodeProcesses.awaitTrue(Duration.ofSeconds(30), () -> NodeInfo.read(net.resolve("node-1")).isPresent(),
                    () -> NodeProcesses.tail(out));
            String liar = NodeInfo.read(net.resolve("node-1")).orElseThrow().peerId();
            assertTrue(Files.readString(net.resolve("node-1").resolve("node.log")).contains("will perturb"),
                    NodeProcesses.tail(net.resolve("node-1").resolve("node.log")));
            Path netLog = generateThroughNetwork(base, "network.json");
            ObjectMapper json = new ObjectMapper();
            assertEquals(json.readTree(jsonLine(localLog)), json.readTree(jsonLine(netLog)));
            String said = Files.readString(netLog);
            assertTrue(said.contains("server " + liar.substring(0, 12)) && said.contains("banned"), said);
            // A second client, in a process of its own, never talks to the liar: it finds the first
            // one's report, checks the proof with its own copy of the model, and avoids the server.
            Path second = generateThroughNetwork(base, "second.json");
            assertEquals(json.readTree(jsonLine(localLog)), json.readTree(jsonLine(second)));
            String secondSaid = Files.readString(second);
            assertTrue(secondSaid.contains("proves that " + liar.substring(0, 12)), secondSaid);
        }
        Cli.Result refused = Cli.run("node", "start", "--data", dir.resolve("lone").toString(), "--listen", "127.0.0.1:0",
                "--serve", MODEL.toString(), "--set", "fault.mode=perturb");
        assertEquals(1, refused.exitCode(), refused.out() + refused.err());
        assertTrue(refused.err().contains("fault injection is for devnets only"), refused.err());
    }

    /** {@code generate --network --json} with the default spot checks; returns its log. */
    private Path generateThroughNetwork(int port, String log) throws Exception {
        Path out = dir.resolve(log);
        Process p = procs.start(out, "generate", "--network", "--bootstrap", "127.0.0.1:" + port, "-m", MODEL.toString(),
                "--json", "--seed", "5", "-n", "24", "-p", PROMPT);
        assertEquals(0, p.waitFor(), NodeProcesses.tail(out));
        return out;
    }

    @Test
    void generateNetworkJsonEqualsLocalJson() throws Exception {
        int port = startServers("0-1", "2-3", "4-4");
        Path localLog = dir.resolve("local.json");
        Path netLog = dir.resolve("network.json");
        Process local = procs.start(localLog, "generate", "-m", MODEL.toString(), "--json", "--seed", "5", "-n", "24",
                "-p", PROMPT);
        Process network = procs.start(netLog, "generate", "--network", "--bootstrap", "127.0.0.1:" + port, "-m",
                MODEL.toString(), "--json", "--seed", "5", "-n", "24", "-p", PROMPT, "--spot-checks", "0");
        assertEquals(0, local.waitFor(), NodeProcesses.tail(localLog));
        assertEquals(0, network.waitFor(), NodeProcesses.tail(netLog));
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(jsonLine(localLog));
        JsonNode b = json.readTree(jsonLine(netLog));
        assertEquals(a, b);
        assertEquals(4, b.size());
        // The servers' status tells what they serve and that the sessions came to their frame sockets.
        JsonNode serving = NodeProcesses.get(dir.resolve("node-1"), "/v1/status").path("serving");
        assertEquals(2, serving.path("first").asInt(), serving.toString());
        assertEquals(3, serving.path("last").asInt(), serving.toString());
        assertTrue(serving.path("frame_connections").asLong() > 0, serving.toString());
        assertTrue(serving.path("pushes_taken").isNumber() && serving.path("session_port").asInt() > 0, serving.toString());
        Cli.Result status = Cli.run("node", "status", "--data", dir.resolve("node-1").toString());
        assertTrue(status.out().contains("serving:        blocks 2-3 of 5") && status.out().contains("pushes:"), status.out());

        // mycel chat --network answers exactly as mycel chat does locally.
        Path localChat = dir.resolve("chat-local.txt");
        Path netChat = dir.resolve("chat-network.txt");
        Process c1 = procs.start(localChat, "chat", "-m", MODEL.toString(), "-n", "20", "--seed", "9");
        Process c2 = procs.start(netChat, "chat", "--network", "--bootstrap", "127.0.0.1:" + port, "-m", MODEL.toString(),
                "-n", "20", "--seed", "9", "--spot-checks", "0");
        for (Process c : List.of(c1, c2)) {
            try (var in = c.getOutputStream()) {
                in.write("Tell me a story.\nWhat happened next?\n/exit\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertEquals(0, c1.waitFor(), NodeProcesses.tail(localChat));
        assertEquals(0, c2.waitFor(), NodeProcesses.tail(netChat));
        assertEquals(answers(localChat), answers(netChat));
        assertTrue(answers(localChat).length() > 10);

        // A node whose HTTP API runs the model through the network answers as the model would locally.
        int http = NodeProcesses.freePort();
        Path data = dir.resolve("api");
        Process api = procs.startNode(dir.resolve("node.toml"), data, "--listen", "127.0.0.1:0", "--bootstrap",
                "127.0.0.1:" + port, "--http", "127.0.0.1:" + http, "--http-network-model", MODEL.toString());
        procs.awaitStarted(api, data, Duration.ofSeconds(60));
        String body = "{\"model\":\"stories260K\",\"prompt\":\"" + PROMPT + "\",\"max_tokens\":24,\"temperature\":0}";
        JsonNode answer = null;
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (answer == null) {
                java.net.http.HttpResponse<String> r;
                try {
                    r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http
                        + "/v1/completions")).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (java.net.ConnectException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                    Thread.sleep(500);
                    continue;
                }
                if (r.statusCode() == 200) {
                    answer = json.readTree(r.body());
                } else if (System.nanoTime() > deadline) {
                    throw new AssertionError(r.statusCode() + " " + r.body() + procs.logs());
                } else {
                    Thread.sleep(500); // the node is still joining
                }
            }
        }
        try (LoadedModel m = LoadedModel.open(MODEL, 1)) {
            String expected = new Generator(m.model(), m.tokenizer()).generate(m.tokenizer().encode(PROMPT, true, false), 128,
                    new GenerationOptions(24, GenerationOptions.greedy(24).sampler(), List.of(), false), s -> { }).text();
            assertEquals(expected, answer.at("/choices/0/text").asText());
        }
    }

    /** The chat's replies: what it printed on stdout, without the launcher's and the network's stderr lines. */
    private static String answers(Path log) throws Exception {
        return String.join("\n", Files.readAllLines(log).stream()
                .filter(l -> !l.startsWith("mycel:") && !l.startsWith("WARNING") && !l.startsWith("[") && !l.startsWith("SLF4J")).toList());
    }

    private static String jsonLine(Path log) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                () -> new AssertionError("no JSON in " + NodeProcesses.tail(log)));
    }
}
