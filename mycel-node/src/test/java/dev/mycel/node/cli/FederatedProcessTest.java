package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federated run between real processes on loopback: {@code fl serve --dht} and three
 * {@code fl join} nodes, each with its own key and its own slice of the digits, one of them
 * finding the coordinator by the run's name in the DHT; one joiner is killed (SIGKILL) after
 * joining, and the run goes on without it, its absence recorded as a refusal.
 */
class FederatedProcessTest {
    private static final Pattern LISTENING = Pattern.compile("\\{\"listening\":\"([^\"]+)\"");

    @TempDir
    Path dir;

    @Test
    void aCoordinatorAndThreeNodesOneKilled() throws Exception {
        Files.writeString(dir.resolve("run.toml"), """
                run = "process-test"
                rounds = 2
                clients = 3
                min_clients = 1
                deadline = 60
                lr = 0.02
                """);
        try (NodeProcesses procs = new NodeProcesses(NodeProcesses.BIG_MODEL_JVM_FLAGS)) {
            Path serveLog = dir.resolve("serve.log");
            Process serve = procs.start(serveLog, "fl", "serve", "--config", dir.resolve("run.toml").toString(),
                    "--node-dir", dir.resolve("coordinator").toString(), "--out", dir.resolve("out").toString(), "--json",
                    "--threads", "1", "--dht");
            String[] address = new String[1];
            NodeProcesses.awaitTrue(Duration.ofSeconds(60), () -> {
                Matcher m = LISTENING.matcher(NodeProcesses.tail(serveLog));
                if (m.find()) {
                    address[0] = m.group(1);
                    return true;
                }
                return false;
            }, () -> "the coordinator never listened: " + NodeProcesses.tail(serveLog));
            Process[] joiners = new Process[3];
            Path[] logs = new Path[3];
            for (int i = 0; i < 3; i++) {
                logs[i] = dir.resolve("join" + i + ".log");
                // Node 0 finds the coordinator by the run's name in the DHT; the others by its address.
                List<String> how = i == 0 ? List.of("--run", "process-test", "--bootstrap", address[0])
                        : List.of("--coordinator", address[0]);
                List<String> args = new java.util.ArrayList<>(List.of("fl", "join"));
                args.addAll(how);
                args.addAll(List.of("--digits", (i * 300) + ":" + (i * 300 + 300), "--node-dir", dir.resolve("node" + i).toString(),
                        "--json", "--threads", "1"));
                joiners[i] = procs.start(logs[i], args.toArray(String[]::new));
            }
            int victim = 2;
            NodeProcesses.awaitTrue(Duration.ofSeconds(60), () -> NodeProcesses.tail(logs[victim]).contains("\"joined\""),
                    () -> "node 2 never joined: " + NodeProcesses.tail(logs[victim]));
            joiners[victim].destroyForcibly().waitFor();
            assertTrue(serve.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the run did not finish: " + procs.logs());
            assertEquals(0, serve.exitValue(), NodeProcesses.tail(serveLog));
            for (int i = 0; i < 2; i++) {
                assertTrue(joiners[i].waitFor(60, java.util.concurrent.TimeUnit.SECONDS), NodeProcesses.tail(logs[i]));
                assertEquals(0, joiners[i].exitValue(), NodeProcesses.tail(logs[i]));
                assertTrue(NodeProcesses.tail(logs[i]).contains("\"rounds_trained\":2"), NodeProcesses.tail(logs[i]));
            }
            List<String> records = Files.readAllLines(dir.resolve("out").resolve("rounds.jsonl"));
            assertEquals(2, records.size());
            for (String line : records) {
                JsonNode r = Json.MAPPER.readTree(line);
                assertTrue(r.get("applied").asBoolean());
                assertEquals(2, r.get("clients").asInt(), line);
                assertEquals(1, r.get("refused").asInt(), line);
            }
            String last = Files.readAllLines(serveLog).stream().filter(l -> l.startsWith("{\"rounds\"")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no result line: " + NodeProcesses.tail(serveLog)));
            JsonNode result = Json.MAPPER.readTree(last);
            assertEquals(3, result.get("clients").asInt());
            assertTrue(result.get("accuracy").asDouble() > 0.3, last);
            assertTrue(result.get("epsilon").isNull() && result.get("delta").isNull(), last);
            // The per-round metrics: each round's two updates and one refusal, ε empty without DP.
            List<String> metrics = Files.readAllLines(dir.resolve("out").resolve("metrics.csv"));
            assertEquals(RoundMetrics.HEADER, metrics.get(0));
            assertEquals(3, metrics.size(), metrics.toString());
            for (String line : metrics.subList(1, 3)) {
                String[] cells = line.split(",", -1);
                assertEquals("2", cells[1], line);
                assertEquals("1", cells[2], line);
                assertEquals("", cells[5], line);
            }
            assertTrue(Files.exists(dir.resolve("out").resolve("accuracy.png")));
        }
    }
}
