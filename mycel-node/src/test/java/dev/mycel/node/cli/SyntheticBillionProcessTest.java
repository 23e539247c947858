package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic Llama 3.2 1B (Q8_0, 1.3 GB) served by three node processes, each with about a
 * third of its 16 blocks: {@code generate --network --json} prints the same token ids and logits
 * hash as {@code generate --json} in one process. Slow (writes the file unless MYCEL_SYNTH_1B
 * names one, and runs five JVMs that each map it): runs with -Pslow.
 */
@Tag("slow")
class SyntheticBillionProcessTest {
    private static final String PROMPT = "The capital of France is";
    private final NodeProcesses procs = new NodeProcesses(NodeProcesses.BIG_MODEL_JVM_FLAGS);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        procs.close();
    }

    @Test
    void threeServerProcessesMatchOneProcessBitForBit() throws Exception {
        String given = System.getenv("MYCEL_SYNTH_1B");
        Path model = given != null ? Path.of(given) : dir.resolve("llama-3.2-1b-q8_0.gguf");
        if (!Files.exists(model)) {
            Path log = dir.resolve("synth.log");
            Process synth = procs.start(log, "model", "synth", "--shape", "llama-3.2-1b", "--type", "q8_0", "--out",
                    model.toString());
            assertEquals(0, synth.waitFor(), NodeProcesses.tail(log));
        }
        Path config = dir.resolve("node.toml");
        Files.writeString(config, "[dht]\nrefresh_interval = \"5s\"\nrepublish_interval = \"10s\"\n");
        String[] spans = {"0-4", "5-10", "11-15"};
        int base = NodeProcesses.freePorts(spans.length);
        List<Process> servers = new ArrayList<>();
        for (int i = 0; i < spans.length; i++) {
            List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:" + (base + i), "--serve",
                    model + ":" + spans[i], "--set", "serve.threads=1"));
            if (i > 0) {
                args.addAll(List.of("--bootstrap", "127.0.0.1:" + base));
            }
            servers.add(procs.startNode(config, dir.resolve("node-" + i), args.toArray(String[]::new)));
        }
        for (int i = 0; i < spans.length; i++) {
            procs.awaitStarted(servers.get(i), dir.resolve("node-" + i), Duration.ofMinutes(3));
        }
        String[] common = {"-m", model.toString(), "--json", "--temperature", "0", "-n", "8", "-p", PROMPT,
                "--threads", "1"};
        Path localLog = dir.resolve("local.json");
        Process local = procs.start(localLog, concat(new String[] {"generate"}, common));
        assertEquals(0, local.waitFor(), NodeProcesses.tail(localLog));
        Path netLog = dir.resolve("network.json");
        Process network = procs.start(netLog, concat(new String[] {"generate", "--network", "--bootstrap",
                "127.0.0.1:" + base, "--spot-checks", "0"}, common));
        assertEquals(0, network.waitFor(), NodeProcesses.tail(netLog) + procs.logs());
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(jsonLine(localLog));
        JsonNode b = json.readTree(jsonLine(netLog));
        assertEquals(8, a.get("tokens").size());
        assertEquals(a, b);
        // Every server took its part over its session socket.
        for (int i = 0; i < spans.length; i++) {
            assertTrue(Files.readString(dir.resolve("node-" + i).resolve("node.log")).contains("sessions on 127.0.0.1:"),
                    NodeProcesses.tail(dir.resolve("node-" + i).resolve("node.log")));
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static String jsonLine(Path log) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                () -> new AssertionError("no JSON in " + NodeProcesses.tail(log)));
    }
}
