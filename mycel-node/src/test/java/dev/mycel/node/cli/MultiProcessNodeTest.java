package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.node.daemon.NodeInfo;
import dev.mycel.node.devnet.Devnet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole nodes as separate processes talking over real sockets on 127.0.0.1: they find each
 * other from one bootstrap address, share values, survive SIGKILL, and devnet runs and stops
 * them. The nodes run with short DHT intervals (a config file, as users would write one).
 */
@Timeout(180)
class MultiProcessNodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private NodeProcesses procs;
    private Path config;

    @BeforeEach
    void setUp() throws IOException {
        procs = new NodeProcesses();
        config = dir.resolve("node.toml");
        Files.writeString(config, """
                # Short intervals: buckets refresh every 2 s, so a node that joined while others were
                # still starting finds them quickly.
                [dht]
                refresh_interval = "2s"
                republish_interval = "5s"
                provider_ttl = "1m"
                """);
    }

    @AfterEach
    void tearDown() {
        procs.close();
    }

    /** A network of n node processes: node 0 on a chosen port, the others on any port, joining through it. */
    private record Network(List<Path> data, List<Process> processes, List<NodeInfo> infos, String bootstrap) {
    }

    private Network startNetwork(int n) throws Exception {
        String bootstrap = "127.0.0.1:" + NodeProcesses.freePort();
        List<Path> data = new ArrayList<>();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            data.add(dir.resolve("node-" + i));
        }
        processes.add(procs.startNode(config, data.getFirst(), "--listen", bootstrap));
        // Node 0 first, so the others' first bootstrap attempt finds it; they then start together.
        List<NodeInfo> infos = new ArrayList<>();
        infos.add(procs.awaitStarted(processes.getFirst(), data.getFirst(), START));
        for (int i = 1; i < n; i++) {
            processes.add(procs.startNode(config, data.get(i), "--listen", "127.0.0.1:0", "--bootstrap", bootstrap));
        }
        for (int i = 1; i < n; i++) {
            infos.add(procs.awaitStarted(processes.get(i), data.get(i), START));
        }
        return new Network(data, processes, infos, bootstrap);
    }

    private void awaitFullTables(Network net, Duration timeout) throws InterruptedException {
        int want = net.data().size() - 1;
        NodeProcesses.awaitTrue(timeout, () -> net.data().stream().allMatch(d -> {
            JsonNode s = NodeProcesses.get(d, "/v1/status");
            return s != null && s.path("peers").asInt() == want;
        }), () -> "routing tables: " + net.data().stream().map(d -> {
            JsonNode s = NodeProcesses.get(d, "/v1/status");
            return s == null ? "?" : s.path("peers").asText();
        }).toList() + procs.logs());
    }

    private static Set<String> peerIds(Path data) {
        Set<String> ids = new HashSet<>();
        JsonNode peers = NodeProcesses.get(data, "/v1/peers");
        assertNotNull(peers, "node on " + data + " does not answer");
        peers.path("peers").forEach(p -> ids.add(p.path("peer_id").asText()));
        return ids;
    }

    @Test
    void fiveNodesFindEachOtherFromOneBootstrapAddressAndAllReadAValuePutOnOne() throws Exception {
        Network net = startNetwork(5);
        awaitFullTables(net, START);
        Set<String> all = new HashSet<>();
        net.infos().forEach(i -> all.add(i.peerId()));
        assertEquals(5, all.size(), "five distinct identities");
        for (int i = 0; i < 5; i++) {
            Set<String> others = new HashSet<>(all);
            others.remove(net.infos().get(i).peerId());
            assertEquals(others, peerIds(net.data().get(i)), "node " + i + " knows exactly the other four");
        }

        String publisher = net.infos().get(2).peerId();
        Cli.Result put = Cli.run("dht", "put", "greeting", "hello from node 2", "--ttl", "10m",
                "--data", net.data().get(2).toString(), "--json");
        assertEquals(0, put.exitCode(), put.err());
        assertEquals(5, JSON.readTree(put.out()).path("stored_on").asInt(), "k = 20 > 5: every node keeps a copy");
        for (int i = 0; i < 5; i++) {
            Cli.Result get = Cli.run("dht", "get", publisher + "/greeting", "--data", net.data().get(i).toString());
            assertEquals(0, get.exitCode(), "node " + i + ": " + get.err());
            assertEquals("hello from node 2\n", get.out(), "node " + i);
        }
        // Another publisher's namespace holds no such value.
        Cli.Result other = Cli.run("dht", "get", net.infos().get(3).peerId() + "/greeting", "--data", net.data().get(0).toString());
        assertEquals(1, other.exitCode(), other.out());
    }

    @Test
    void aNodeKilledWithSigkillKeepsItsIdentityAndRejoins() throws Exception {
        Network net = startNetwork(4);
        awaitFullTables(net, START);
        String publisher = net.infos().get(1).peerId();
        Cli.Result put = Cli.run("dht", "put", "note", "still here", "--data", net.data().get(1).toString());
        assertEquals(0, put.exitCode(), put.err());

        Path data3 = net.data().get(3);
        String id3 = net.infos().get(3).peerId();
        Process old = net.processes().get(3);
        old.destroyForcibly();
        assertTrue(old.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(137, old.exitValue(), "SIGKILL: no shutdown hook ran");
        assertTrue(Files.exists(data3.resolve("node.json")), "a killed node cannot clean up");
        Cli.Result dead = Cli.run("node", "status", "--data", data3.toString());
        assertEquals(1, dead.exitCode());
        assertTrue(dead.err().contains("ended without cleaning up"), dead.err());

        Process restarted = procs.startNode(config, data3, "--listen", "127.0.0.1:0", "--bootstrap", net.bootstrap());
        NodeInfo info = procs.awaitStarted(restarted, data3, START);
        assertEquals(id3, info.peerId(), "same data folder, same identity");

        // Every other node has it again, at the address it listens on now, and it has them all.
        NodeProcesses.awaitTrue(START, () -> {
            JsonNode s = NodeProcesses.get(data3, "/v1/status");
            if (s == null || s.path("peers").asInt() != 3) {
                return false;
            }
            for (int i = 0; i < 3; i++) {
                JsonNode peers = NodeProcesses.get(net.data().get(i), "/v1/peers");
                boolean seen = false;
                for (JsonNode p : peers == null ? JSON.createArrayNode() : peers.path("peers")) {
                    seen |= p.path("peer_id").asText().equals(id3) && p.path("address").asText().equals(info.listen());
                }
                if (!seen) {
                    return false;
                }
            }
            return true;
        }, () -> "node 3 did not rejoin" + procs.logs());

        Cli.Result get = Cli.run("dht", "get", publisher + "/note", "--data", data3.toString());
        assertEquals(0, get.exitCode(), get.err());
        assertEquals("still here\n", get.out());
        assertTrue(Files.readString(data3.resolve("node.log")).contains("joined the network"));
    }

    /**
     * A node killed right after it took a record for another keeps it: records.bin follows the
     * store within a second, not at the next 5-minute save or a clean stop. The publisher is
     * killed too and the node restarts alone, so the value can only come from its own file.
     */
    @Test
    void aNodeKilledWithSigkillStillServesTheRecordsItHeldForOthers() throws Exception {
        Network net = startNetwork(2);
        awaitFullTables(net, START);
        String publisher = net.infos().get(0).peerId();
        Cli.Result put = Cli.run("dht", "put", "kept", "held for node 0", "--ttl", "1h",
                "--data", net.data().get(0).toString(), "--json");
        assertEquals(0, put.exitCode(), put.err());
        assertEquals(2, JSON.readTree(put.out()).path("stored_on").asInt(), "node 1 took a copy");
        Thread.sleep(2000); // the saver's bound (1 s), with room for a slow machine

        for (Process p : net.processes()) {
            p.destroyForcibly();
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "SIGKILL: no shutdown hook ran");
        }
        Path data1 = net.data().get(1);
        Process restarted = procs.startNode(config, data1, "--listen", "127.0.0.1:0");
        procs.awaitStarted(restarted, data1, START);

        Cli.Result get = Cli.run("dht", "get", publisher + "/kept", "--data", data1.toString());
        assertEquals(0, get.exitCode(), get.err() + procs.logs());
        assertEquals("held for node 0\n", get.out());
    }

    @Test
    void devnetStartsThreeNodesReportsFullTablesAndStopsThemAll() throws Exception {
        int base = NodeProcesses.freePorts(3);
        Path net = dir.resolve("devnet");
        Path out = dir.resolve("devnet.out");
        Process devnet = procs.start(out, "devnet", "--nodes", "3", "--base-port", Integer.toString(base),
                "--dir", net.toString(), "--config", config.toString(), "--timeout", "60", "--json");
        JsonNode[] report = new JsonNode[1];
        NodeProcesses.awaitTrue(Duration.ofSeconds(90), () -> {
            if (!devnet.isAlive()) {
                throw new AssertionError("devnet exited with " + devnet.exitValue() + "\n" + NodeProcesses.tail(out));
            }
            Optional<String> line = lines(out).stream().filter(l -> l.startsWith("{")).findFirst();
            line.ifPresent(l -> report[0] = parse(l));
            return line.isPresent();
        }, () -> "devnet did not report\n" + NodeProcesses.tail(out));

        JsonNode nodes = report[0].path("nodes");
        assertEquals(3, nodes.size());
        Set<String> ids = new HashSet<>();
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode n = nodes.get(i);
            assertEquals("127.0.0.1:" + (base + i), n.path("listen").asText());
            assertEquals(2, n.path("peers").asInt(), "node " + i + " knows both others");
            assertEquals(net.resolve("node-" + i).toString(), n.path("data_dir").asText());
            ids.add(n.path("peer_id").asText());
            pids.add(n.path("pid").asLong());
            assertTrue(ProcessHandle.of(n.path("pid").asLong()).map(ProcessHandle::isAlive).orElse(false));
        }
        assertEquals(3, ids.size());
        assertTrue(Files.exists(net.resolve(Devnet.FILE)));
        // The nodes are ordinary nodes: the usual commands reach them through their data folders.
        Cli.Result status = Cli.run("node", "status", "--data", net.resolve("node-1").toString(), "--json");
        assertEquals(2, JSON.readTree(status.out()).path("peers").asInt(), status.err());
        // Node 0 hosts the devnet's ledger with a faucet; a member's wallet finds it through its node.
        String member = net.resolve("node-2").toString();
        Cli.Result funded = Cli.run("faucet", "--data", member, "--amount", "5000", "--json");
        assertEquals(0, funded.exitCode(), funded.err());
        Cli.Result balance = Cli.run("wallet", "balance", "--data", member, "--json");
        assertEquals(5000, JSON.readTree(balance.out()).path("balance").asLong(), balance.err());
        assertEquals("mycel-devnet", JSON.readTree(balance.out()).path("ledger").asText());
        Cli.Result verified = Cli.run("ledger", "verify", "--data", net.resolve("node-1").toString(), "--json");
        assertTrue(JSON.readTree(verified.out()).path("ok").asBoolean(), verified.out() + verified.err());
        // A second devnet on the same folder is refused while this one runs.
        Cli.Result twice = Cli.run("devnet", "--nodes", "2", "--dir", net.toString(), "--base-port", Integer.toString(base + 10));
        assertEquals(1, twice.exitCode());
        assertTrue(twice.err().contains("a devnet is already running in " + net), twice.err());

        Cli.Result stop = Cli.run("devnet", "stop", "--dir", net.toString());
        assertEquals(0, stop.exitCode(), stop.err());
        assertTrue(stop.out().startsWith("stopped the devnet in " + net + " (3 nodes)"), stop.out());
        assertTrue(devnet.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "devnet process still running");
        NodeProcesses.awaitTrue(Duration.ofSeconds(15), () -> pids.stream()
                .noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)), () -> "nodes left running");
        assertFalse(Files.exists(net.resolve(Devnet.FILE)));
        for (int i = 0; i < 3; i++) {
            String log = Files.readString(net.resolve("node-" + i).resolve("node.log"));
            assertTrue(log.contains("node stopped"), "node " + i + " stopped cleanly (SIGTERM, not SIGKILL):\n" + log);
            assertTrue(log.contains("INFO  peer joined routing table: "), log);
            // One line per event, each with a readable local timestamp and the level.
            assertTrue(log.lines().filter(l -> l.contains("joined") || l.contains("stopp"))
                    .allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  .*")), log);
        }
        Cli.Result again = Cli.run("devnet", "stop", "--dir", net.toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("no devnet is running in " + net), again.err());
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
