package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.node.daemon.DataDir;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.node.daemon.NodeConfig.Setting;
import dev.mycel.node.daemon.NodeDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node commands against a real node in this JVM, and their errors when there is none. */
class NodeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private NodeDaemon node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private NodeDaemon startNode(Path data) throws IOException {
        node = NodeDaemon.start(NodeConfig.load(null, List.of(Setting.flag("data_dir", data.toString(), "--data"),
                Setting.flag("network.listen", "127.0.0.1:0", "--listen"))), Logger.getLogger(NodeCliTest.class.getName()));
        return node;
    }

    private static void assertOneLineError(Cli.Result r, int code, String... expected) {
        String err = r.err().strip();
        assertEquals(code, r.exitCode(), err);
        assertEquals(1, err.lines().count(), "expected one line, got:\n" + err);
        assertTrue(err.startsWith("mycel: error: "), err);
        for (String e : expected) {
            assertTrue(err.contains(e), "'" + e + "' not in: " + err);
        }
    }

    /** A word that is no command is an error naming it, --help or not; help for real commands is unchanged. */
    @Test
    void anUnknownCommandIsAnErrorEvenBesideHelp() {
        for (String[] args : List.of(new String[] {"qqqq", "--help"}, new String[] {"qqqq"}, new String[] {"--help", "qqqq"})) {
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.out() + r.err());
            assertEquals("mycel: error: unknown command 'qqqq'\nSee 'mycel --help' for the commands.\n", r.err().replace("\r", ""));
            assertEquals("", r.out());
        }
        Cli.Result typo = Cli.run("genrate", "--help");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().startsWith("mycel: error: unknown command 'genrate'"), typo.err());
        assertTrue(typo.err().contains("Did you mean: mycel generate"), typo.err());
        Cli.Result nested = Cli.run("dht", "gett", "-h");
        assertEquals(2, nested.exitCode());
        assertTrue(nested.err().startsWith("mycel: error: unknown command 'dht gett'"), nested.err());
        assertTrue(nested.err().contains("Did you mean: dht get?"), nested.err());
        // A stray word after a real command is refused as picocli refuses it without --help.
        Cli.Result stray = Cli.run("peers", "extra", "--help");
        assertEquals(2, stray.exitCode());
        assertTrue(stray.err().contains("Unmatched argument at index 1: 'extra'"), stray.err());

        Cli.Result help = Cli.run("dht", "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().contains("Usage: mycel dht"), help.out());
        Cli.Result top = Cli.run("--help");
        assertEquals(0, top.exitCode(), top.err());
        assertTrue(top.out().startsWith("Usage: mycel"), top.out());
    }

    @Test
    void everyCommandSaysHowToStartANodeWhenNoneRuns() {
        String d = dir.resolve("empty").toString();
        String hint = "start one with: mycel node start --data " + d;
        assertOneLineError(Cli.run("node", "status", "--data", d), 1, "no node is running on " + d, hint);
        assertOneLineError(Cli.run("peers", "--data", d, "--json"), 1, hint);
        assertOneLineError(Cli.run("dht", "put", "k", "v", "--data", d), 1, hint);
        assertOneLineError(Cli.run("dht", "get", "k", "--data", d), 1, hint);
        assertOneLineError(Cli.run("dht", "providers", "k", "--data", d), 1, hint);
        assertOneLineError(Cli.run("dht", "provide", "k", "--data", d), 1, hint);
        assertOneLineError(Cli.run("node", "stop", "--data", d), 1, "no node is running on " + d);
    }

    @Test
    void aNodeThatDiedWithoutCleaningUpIsNotTakenForARunningOne() throws IOException {
        Path d = Files.createDirectories(dir.resolve("stale"));
        // A pid that cannot be running: node.json left behind by a node killed with SIGKILL.
        Files.writeString(d.resolve(DataDir.NODE_FILE), "{\"pid\": 2147483647, \"peer_id\": \"mcx\", \"admin\": \"127.0.0.1:9\"}");
        assertOneLineError(Cli.run("node", "status", "--data", d.toString()), 1, "ended without cleaning up",
                "mycel node start --data " + d);
        assertOneLineError(Cli.run("node", "stop", "--data", d.toString()), 1, "no node is running");
        Files.writeString(d.resolve(DataDir.NODE_FILE), "{\"pid\": ");
        assertOneLineError(Cli.run("node", "status", "--data", d.toString()), 1, "node.json is damaged");
    }

    @Test
    void badConfigStopsNodeStartWithOneLine() throws IOException {
        Path cfg = dir.resolve("node.toml");
        Files.writeString(cfg, "[dht]\nk = \"many\"\n");
        assertOneLineError(Cli.run("node", "start", "--config", cfg.toString(), "--data", dir.resolve("x").toString()), 1,
                cfg.toString(), "dht.k");
        assertOneLineError(Cli.run("node", "start", "--data", dir.resolve("x").toString(), "--listen", "nowhere"), 1,
                "--listen", "nowhere");
        assertOneLineError(Cli.run("node", "start", "--data", dir.resolve("x").toString(), "--set", "dht.q=1"), 1,
                "unknown key \"dht.q\"");
        assertOneLineError(Cli.run("node", "start", "--config", dir.resolve("none.toml").toString()), 1, "no such config file");
        assertFalse(Files.exists(dir.resolve("x").resolve(DataDir.NODE_FILE)));
    }

    @Test
    void statusPeersAndDhtCommandsTalkToTheRunningNode() throws Exception {
        Path data = dir.resolve("n");
        NodeDaemon n = startNode(data);
        String d = data.toString();
        String id = n.dht().id().toString();

        Cli.Result status = Cli.run("node", "status", "--data", d);
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().contains("peer id:        " + id), status.out());
        assertTrue(status.out().contains("routing table:  0 peers (k = 20)"), status.out());
        JsonNode js = JSON.readTree(Cli.run("node", "status", "--data", d, "--json").out());
        assertEquals(id, js.path("peer_id").asText());
        assertTrue(status.out().contains("contacts:       0 admitted, 0 failed the call back, 0 refused by the address caps,"
                + " 0 dropped (busy), 0 checks pending"), status.out());
        assertEquals(0, js.path("contacts").path("admitted").asLong(), js.toString());
        assertTrue(js.path("contacts").path("refused_by_caps").isIntegralNumber(), js.toString());

        assertEquals("no peers yet\n", Cli.run("peers", "--data", d).out());
        assertEquals(0, JSON.readTree(Cli.run("peers", "--data", d, "--json").out()).path("count").asInt());

        Cli.Result put = Cli.run("dht", "put", "motd", "hello", "--ttl", "20m", "--data", d);
        assertEquals(0, put.exitCode(), put.err());
        assertTrue(put.out().startsWith("stored " + id + "/motd on 1 node "), put.out());
        assertEquals("hello\n", Cli.run("dht", "get", "motd", "--data", d).out());
        assertEquals("hello\n", Cli.run("dht", "get", id + "/motd", "--data", d).out());
        JsonNode got = JSON.readTree(Cli.run("dht", "get", "motd", "--data", d, "--json").out());
        assertEquals("hello", got.path("value").asText());
        assertOneLineError(Cli.run("dht", "get", "absent", "--data", d), 1, "no value " + id + "/absent was found");
        Cli.Result absentJson = Cli.run("dht", "get", "absent", "--data", d, "--json");
        assertEquals(1, absentJson.exitCode());
        assertFalse(JSON.readTree(absentJson.out()).path("found").asBoolean());
        assertOneLineError(Cli.run("dht", "put", "k", "v", "--ttl", "soon", "--data", d), 2, "--ttl", "\"soon\"");
        assertOneLineError(Cli.run("dht", "put", "k", "v", "--ttl", "9d", "--data", d), 1, "records.max_ttl");

        Cli.Result provide = Cli.run("dht", "provide", "model-x", "--payload", "blocks 0-7", "--data", d);
        assertEquals(0, provide.exitCode(), provide.err());
        Cli.Result providers = Cli.run("dht", "providers", "model-x", "--data", d);
        assertTrue(providers.out().contains(id), providers.out());
        assertTrue(providers.out().contains("blocks 0-7"), providers.out());
        assertTrue(Cli.run("dht", "providers", "nobody-has-this", "--data", d).out().startsWith("no providers of nobody-has-this"));
    }

    @Test
    void helpListsTheNodeCommands() {
        String help = Cli.run("--help").out();
        for (String c : List.of("node", "peers", "dht", "devnet")) {
            assertTrue(help.lines().anyMatch(l -> l.strip().startsWith(c + " ")), c + " missing from:\n" + help);
        }
        assertTrue(Cli.run("node", "--help").out().contains("start"));
        assertTrue(Cli.run("dht", "--help").out().contains("providers"));
        assertTrue(Cli.run("devnet", "--help").out().contains("--base-port"));
    }
}
