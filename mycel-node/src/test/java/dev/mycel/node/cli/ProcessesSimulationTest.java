package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fl simulate --processes}: every client a {@code fl join} process of its own on loopback,
 * joined to the simulation's coordinator over mutually authenticated TLS. Ten client processes,
 * two of them killed (SIGKILL) while training in round 1: both rounds run on with the other
 * eight, the two refused with their reason, and no client process outlives the run. Each
 * survivor's round-1 update is bit for bit the one its client sends in the in-JVM simulation
 * (the same key, digits of a skewed partition, seed and training), by the commitments that the
 * round records hold. {@code ClientFleetTest} in mycel-federated holds whole runs to the in-JVM
 * bits, drop-outs included. With secure aggregation, a client killed after sharing its keys is
 * recovered through its neighbours' shares.
 */
class ProcessesSimulationTest {
    private static final Pattern CLIENT = Pattern.compile("(?m)^client (\\d+): pid (\\d+), node (\\S+), log (.+)$");

    /** Ten clients, all picked every round, five classes each, a seed other than the default. */
    private static final String[] RUN = {"fl", "simulate", "--clients", "10", "--fraction", "1", "--partition", "shards:5",
        "--seed", "2", "--json"};

    @TempDir
    Path dir;

    @Test
    void tenClientProcessesTwoKilledWhileTrainingAndTheRunCompletes() throws Exception {
        long started = System.nanoTime();
        Path out = dir.resolve("out");
        Path log = dir.resolve("simulate.log");
        try (NodeProcesses procs = new NodeProcesses(NodeProcesses.BIG_MODEL_JVM_FLAGS)) {
            Process sim = procs.start(log, concat(RUN, "--processes", "--rounds", "2", "--threads", "1", "--out", out.toString()));
            Map<Integer, Long> pids = new TreeMap<>();
            Map<Integer, String> nodes = new TreeMap<>();
            awaitClients(sim, log, pids, nodes);

            // Each victim is killed as soon as it says it is training for round 1.
            int[] victims = {3, 8};
            Set<Integer> killed = new HashSet<>();
            NodeProcesses.awaitTrue(Duration.ofSeconds(240), () -> {
                assertTrue(sim.isAlive(), () -> "fl simulate ended before the kills: " + procs.logs());
                for (int v : victims) {
                    if (!killed.contains(v) && read(clientLog(out, v)).contains("round 1 of run sim-2: training")) {
                        kill(pids.get(v));
                        killed.add(v);
                    }
                }
                return killed.size() == victims.length;
            }, () -> "the victims never started round 1: " + NodeProcesses.tail(log));
            for (int v : victims) {
                // Killed mid-round: neither had finished its training.
                assertFalse(read(clientLog(out, v)).contains("trained in"), read(clientLog(out, v)));
            }

            assertTrue(sim.waitFor(4, TimeUnit.MINUTES), () -> "the run did not finish: " + procs.logs());
            assertEquals(0, sim.exitValue(), () -> NodeProcesses.tail(log));
            for (long pid : pids.values()) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "client process " + pid + " outlived the run");
            }
            for (int i = 0; i < 10; i++) {
                if (i != victims[0] && i != victims[1]) {
                    String c = read(clientLog(out, i));
                    assertTrue(c.contains("this node trained in 2 rounds"), "client " + i + ": " + c);
                }
            }

            List<JsonNode> lines = new ArrayList<>();
            for (String l : Files.readAllLines(log)) {
                if (l.startsWith("{")) {
                    lines.add(Json.MAPPER.readTree(l));
                }
            }
            assertEquals(3, lines.size(), () -> NodeProcesses.tail(log));
            for (int r = 0; r < 2; r++) {
                JsonNode round = lines.get(r);
                assertEquals(r + 1, round.get("round").asInt());
                assertEquals(10, round.get("picked").asInt(), round.toString());
                assertEquals(8, round.get("clients").asInt(), round.toString());
                assertEquals(2, round.get("refused").asInt(), round.toString());
                assertTrue(round.get("applied").asBoolean() && round.get("verified").asBoolean(), round.toString());
            }
            JsonNode result = lines.get(2);
            assertEquals(2, result.get("rounds").asInt(), result.toString());
            assertTrue(result.get("accuracy").asDouble() > 0.5, result.toString());
            assertTrue(Double.isFinite(result.get("loss").asDouble()), result.toString());
            assertTrue(result.get("model_sha256").asText().matches("[0-9a-f]{64}"), result.toString());
            assertEquals(lines.get(1).get("model_sha256").asText(), result.get("model_sha256").asText());
            assertTrue(result.get("epsilon").isNull() && !result.get("budget_stopped").asBoolean(), result.toString());

            List<String> records = Files.readAllLines(out.resolve("rounds.jsonl"));
            assertEquals(2, records.size());
            Set<String> victimIds = Set.of(nodes.get(victims[0]), nodes.get(victims[1]));
            for (String line : records) {
                JsonNode rec = Json.MAPPER.readTree(line);
                Set<String> refused = new HashSet<>();
                for (JsonNode ref : rec.get("refused")) {
                    refused.add(ref.get("client").asText());
                    // "failed: its process (pid P) ended with exit code 137 (signal 9); UNAVAILABLE: ..."
                    assertTrue(ref.get("reason").asText().matches("failed: its process \\(pid \\d+\\) ended with exit code \\d+.*"),
                            line);
                }
                assertEquals(victimIds, refused, line);
                for (JsonNode in : rec.get("inputs")) {
                    assertFalse(victimIds.contains(in.get("client").asText()), line);
                }
            }
            assertTrue(Files.exists(out.resolve("accuracy.png")));

            // The same clients in this JVM, one round: the survivors sent the same updates.
            Cli.Result inJvm = Cli.run(concat(RUN, "--transport", "memory", "--rounds", "1", "--out", dir.resolve("memory").toString()));
            assertEquals(0, inJvm.exitCode(), inJvm.err());
            Map<String, String> expected = commitments(Files.readAllLines(dir.resolve("memory").resolve("rounds.jsonl")).getFirst());
            Map<String, String> got = commitments(records.getFirst());
            assertEquals(8, got.size());
            for (var e : got.entrySet()) {
                assertEquals(expected.get(e.getKey()), e.getValue(), "client " + e.getKey() + "'s round-1 update");
            }
        }
        System.out.printf("ProcessesSimulationTest: ten client processes, two killed, two rounds, and one in-JVM round: %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    /**
     * Secure aggregation across ten client processes, one round: client 3 is killed while
     * training (it never shares keys), client 8 right after sharing its keys (it stops answering
     * there, by fl join's test fault, and is killed while the coordinator waits for its masked
     * input). The round still applies: the eight survivors' sum, with client 8's pairwise masks
     * removed through its neighbours' shares of its mask key.
     */
    @Test
    void secureAggregationRecoversAClientKilledAfterSharingItsKeys() throws Exception {
        long started = System.nanoTime();
        Path out = dir.resolve("secure");
        Path log = dir.resolve("secure.log");
        try (NodeProcesses procs = new NodeProcesses(NodeProcesses.BIG_MODEL_JVM_FLAGS)) {
            Process sim = procs.start(log, concat(RUN, "--processes", "--secagg", "--rounds", "1", "--threads", "1",
                    "--client-fault", "8:hang-after-sharing:1", "--out", out.toString()));
            Map<Integer, Long> pids = new TreeMap<>();
            Map<Integer, String> nodes = new TreeMap<>();
            awaitClients(sim, log, pids, nodes);
            Set<Integer> killed = new HashSet<>();
            NodeProcesses.awaitTrue(Duration.ofSeconds(240), () -> {
                assertTrue(sim.isAlive(), () -> "fl simulate ended before the kills: " + procs.logs());
                if (!killed.contains(3) && read(clientLog(out, 3)).contains("round 1 of run sim-2: training")) {
                    kill(pids.get(3));
                    killed.add(3);
                }
                if (!killed.contains(8) && read(clientLog(out, 8)).contains("hanging after sharing keys")) {
                    kill(pids.get(8));
                    killed.add(8);
                }
                return killed.size() == 2;
            }, () -> "the victims never reached their points: " + NodeProcesses.tail(log));
            assertTrue(sim.waitFor(4, TimeUnit.MINUTES), () -> "the run did not finish: " + procs.logs());
            assertEquals(0, sim.exitValue(), () -> NodeProcesses.tail(log));

            JsonNode rec = Json.MAPPER.readTree(Files.readAllLines(out.resolve("rounds.jsonl")).getFirst());
            assertTrue(rec.get("applied").asBoolean(), rec.toString());
            assertTrue(rec.get("secure_transcript_sha256").asText().matches("[0-9a-f]{64}"), rec.toString());
            Map<String, String> reasons = new TreeMap<>();
            for (JsonNode ref : rec.get("refused")) {
                reasons.put(ref.get("client").asText(), ref.get("reason").asText());
            }
            assertEquals(Set.of(nodes.get(3), nodes.get(8)), reasons.keySet(), rec.toString());
            assertTrue(reasons.get(nodes.get(3)).startsWith("dropped while training and advertising keys"), reasons.toString());
            assertTrue(reasons.get(nodes.get(8)).startsWith("dropped while sending its masked input"), reasons.toString());
            Set<String> inputs = new HashSet<>();
            for (JsonNode in : rec.get("inputs")) {
                inputs.add(in.get("client").asText());
            }
            assertEquals(8, inputs.size(), rec.toString());
            assertFalse(inputs.contains(nodes.get(3)) || inputs.contains(nodes.get(8)), rec.toString());
            JsonNode round = null;
            JsonNode result = null;
            for (String l : Files.readAllLines(log)) {
                if (l.startsWith("{")) {
                    JsonNode j = Json.MAPPER.readTree(l);
                    if (j.has("round")) {
                        round = j;
                    } else {
                        result = j;
                    }
                }
            }
            assertTrue(round != null && round.get("verified").asBoolean(), String.valueOf(round));
            assertTrue(result != null && result.get("secagg").asBoolean() && result.get("bytes_up").asLong() > 0, String.valueOf(result));
            assertTrue(result.get("accuracy").asDouble() > 0.3, result.toString());
        }
        System.out.printf("ProcessesSimulationTest: ten client processes, secure aggregation, two killed: %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    /** Waits until fl simulate has said the pid and node id of each of its ten client processes. */
    private static void awaitClients(Process sim, Path log, Map<Integer, Long> pids, Map<Integer, String> nodes) throws Exception {
        NodeProcesses.awaitTrue(Duration.ofSeconds(60), () -> {
            assertTrue(sim.isAlive(), () -> "fl simulate ended: " + NodeProcesses.tail(log));
            Matcher m = CLIENT.matcher(read(log));
            while (m.find()) {
                pids.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
                nodes.put(Integer.parseInt(m.group(1)), m.group(3));
            }
            return pids.size() == 10;
        }, () -> "fl simulate did not start its ten client processes: " + NodeProcesses.tail(log));
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
    }

    private static Map<String, String> commitments(String record) throws java.io.IOException {
        Map<String, String> c = new TreeMap<>();
        for (JsonNode in : Json.MAPPER.readTree(record).get("inputs")) {
            c.put(in.get("client").asText(), in.get("commitment").asText());
        }
        return c;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static Path clientLog(Path out, int client) {
        return out.resolve("clients").resolve("client-" + client + ".log");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
