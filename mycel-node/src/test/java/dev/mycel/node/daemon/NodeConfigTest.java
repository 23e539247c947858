package dev.mycel.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.server.Fault;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.Contact;
import dev.mycel.net.dht.ContactLimits;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.dht.RoutingTable;
import dev.mycel.net.identity.PeerId;
import dev.mycel.node.daemon.NodeConfig.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path dir;

    private Path write(String name, String toml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, toml);
        return p;
    }

    /**
     * Flags beginning with this test's own data folder, so that loading without a config file
     * never reads the config.toml of the developer's real data folder.
     */
    private List<Setting> flags(Setting... more) {
        List<Setting> all = new java.util.ArrayList<>();
        all.add(Setting.flag("data_dir", dir.resolve("data").toString(), "--data"));
        all.addAll(List.of(more));
        return all;
    }

    /** The error of loading, checked to be one line that names what it should. */
    private String error(Path file, List<Setting> flags, String... mustName) {
        NodeException e = assertThrows(NodeException.class, () -> NodeConfig.load(file, flags));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String s : mustName) {
            assertTrue(m.contains(s), "'" + s + "' not in: " + m);
        }
        return m;
    }

    @Test
    void defaultsAreMycelNetsOwnAndListenOnEveryInterface() {
        NodeConfig c = NodeConfig.defaults();
        DhtConfig d = DhtConfig.defaults();
        assertEquals(d.k(), c.k());
        assertEquals(d.alpha(), c.alpha());
        assertEquals(d.refreshInterval(), c.refreshInterval());
        assertEquals(d.republishInterval(), c.republishInterval());
        assertEquals(d.providerTtl(), c.providerTtl());
        assertEquals(d.net(), c.limits());
        assertEquals(d.records(), c.records());
        assertEquals(new HostPort("0.0.0.0", 7600), c.listen());
        assertEquals(new HostPort("127.0.0.1", 0), c.adminListen());
        assertFalse(c.adminAllowRemote());
        assertEquals(List.of(), c.bootstrap());
        assertNull(c.advertiseHost());
        assertEquals("info", c.logLevel());
        assertEquals(NodeConfig.defaultDataDir(), c.dataDir());
    }

    @Test
    void flagsOverrideTheFileWhichOverridesTheDefaults() throws IOException {
        Path file = write("node.toml", """
                data_dir = "nodes/a"
                log_level = "debug"
                [network]
                listen = "127.0.0.1:7001"
                bootstrap = ["127.0.0.1:7000"]
                [dht]
                k = 8
                alpha = 2
                refresh_interval = "30s"
                [limits]
                rpc_timeout = 3
                """);
        NodeConfig fileOnly = NodeConfig.load(file, List.of());
        assertEquals(dir.resolve("nodes/a"), fileOnly.dataDir(), "relative to the file's folder");
        assertEquals("debug", fileOnly.logLevel());
        assertEquals(new HostPort("127.0.0.1", 7001), fileOnly.listen());
        assertEquals(List.of(BootstrapAddress.parse("127.0.0.1:7000")), fileOnly.bootstrap());
        assertEquals(8, fileOnly.k());
        assertEquals(Duration.ofSeconds(30), fileOnly.refreshInterval());
        assertEquals(Duration.ofSeconds(3), fileOnly.limits().rpcTimeout(), "a bare number is seconds");
        assertEquals(DhtConfig.defaults().republishInterval(), fileOnly.republishInterval(), "untouched keys keep defaults");

        NodeConfig both = NodeConfig.load(file, List.of(
                Setting.flag("network.listen", "127.0.0.1:7101", "--listen"),
                Setting.flag("network.bootstrap", List.of("127.0.0.1:7100,127.0.0.1:7102", "127.0.0.1:7103"), "--bootstrap"),
                Setting.flag("data_dir", dir.resolve("elsewhere").toString(), "--data"),
                Setting.assignment("dht.k=12"),
                Setting.assignment("records.max_ttl=6h"),
                Setting.assignment("admin.allow_remote=true")));
        assertEquals(new HostPort("127.0.0.1", 7101), both.listen());
        assertEquals(3, both.bootstrap().size());
        assertEquals(dir.resolve("elsewhere"), both.dataDir());
        assertEquals(12, both.k());
        assertEquals(2, both.alpha(), "the file's value where no flag says otherwise");
        assertEquals(Duration.ofHours(6), both.records().maxTtl());
        assertTrue(both.adminAllowRemote());
        assertEquals("debug", both.logLevel());
    }

    @Test
    void theDataFoldersConfigFileIsReadWhenNoneIsGiven() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve(NodeConfig.FILE_IN_DATA_DIR), "[dht]\nk = 5\n");
        NodeConfig c = NodeConfig.load(null, List.of(Setting.flag("data_dir", data.toString(), "--data")));
        assertEquals(5, c.k());
        assertEquals(data, c.dataDir());
        Files.writeString(data.resolve(NodeConfig.FILE_IN_DATA_DIR), "data_dir = \"/somewhere/else\"\n");
        error(null, List.of(Setting.flag("data_dir", data.toString(), "--data")), "config.toml", "data_dir");
    }

    @Test
    void theDocumentedExampleParsesToTheDefaultsAndListsEveryKey() throws IOException {
        Path example = Path.of(System.getProperty("user.dir")).resolve("../docs/node.example.toml").normalize();
        String text = Files.readString(example);
        assertEquals(NodeConfig.defaults(), NodeConfig.parse(text, example.toString(), example.getParent()));
        for (String key : NodeConfig.KEYS) {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            assertTrue(text.contains("\n" + leaf + " = ") || text.contains("\n# " + leaf + " = "), key + " is not documented");
        }
    }

    @Test
    void unknownKeysNameTheKeyAndTheFile() throws IOException {
        Path file = write("bad.toml", "[dht]\nk = 8\nreplication = 3\n");
        error(file, List.of(), file.toString(), "unknown key \"dht.replication\"", "k, alpha");
        Path top = write("top.toml", "colour = \"blue\"\n");
        error(top, List.of(), top.toString(), "\"colour\"");
        Path section = write("section.toml", "[storage]\nsize = 3\n");
        error(section, List.of(), "\"storage\"");
        error(null, flags(Setting.assignment("dht.kk=3")), "--set dht.kk=3", "unknown key \"dht.kk\"");
    }

    @Test
    void wrongTypesNameTheKeyTheFileAndTheValue() throws IOException {
        error(write("a.toml", "[dht]\nk = \"twenty\"\n"), List.of(), "a.toml", "dht.k", "whole number", "\"twenty\"");
        error(write("b.toml", "[dht]\nk = 100\n"), List.of(), "b.toml", "dht.k", "1..64", "100");
        error(write("c.toml", "[admin]\nallow_remote = \"yes\"\n"), List.of(), "c.toml", "admin.allow_remote", "true or false");
        error(write("d.toml", "[network]\nlisten = 7600\n"), List.of(), "d.toml", "network.listen", "HOST:PORT");
        error(write("e.toml", "[network]\nlisten = \"somewhere\"\n"), List.of(), "e.toml", "network.listen", "somewhere");
        error(write("f.toml", "[dht]\nrefresh_interval = \"soon\"\n"), List.of(), "f.toml", "dht.refresh_interval", "\"soon\"");
        error(write("g.toml", "[network]\nbootstrap = [\"nohost\"]\n"), List.of(), "g.toml", "network.bootstrap", "nohost");
        error(write("h.toml", "log_level = \"loud\"\n"), List.of(), "h.toml", "log_level", "loud");
        error(write("i.toml", "dht = 3\n"), List.of(), "i.toml", "\"dht\"");
        error(write("j.toml", "[limits]\nrequests_per_second = -1\n"), List.of(), "j.toml", "limits.requests_per_second");
        error(write("k.toml", "[dht]\nrefresh_interval = \"10ms\"\n"), List.of(), "k.toml", "from 1s to 7d");
    }

    @Test
    void durationsOutsideTheirRangeNameTheKeyTheFileAndTheRange() throws IOException {
        Path file = write("ttl.toml", "[records]\nmax_ttl = \"99999999d\"\n");
        String m = error(file, List.of(), file + ": records.max_ttl: must be from 1s to 30d, got \"99999999d\"");
        assertEquals(file + ": records.max_ttl: must be from 1s to 30d, got \"99999999d\"", m);
        // Too large for milliseconds (a long overflows): still the same one-line error, not an ArithmeticException.
        error(write("huge.toml", "[limits]\nrpc_timeout = \"999999999999d\"\n"), List.of(), "huge.toml", "limits.rpc_timeout",
                "from 100ms to 10m");
        error(write("secs.toml", "[dht]\nrefresh_interval = 999999999\n"), List.of(), "secs.toml", "dht.refresh_interval", "to 7d");
        error(null, flags(Setting.assignment("serve.rebalance_interval=2d")), "--set", "serve.rebalance_interval", "to 1d");
        // The largest allowed values are taken.
        NodeConfig c = NodeConfig.load(write("max.toml", "[records]\nmax_ttl = \"30d\"\n[limits]\nrpc_timeout = \"10m\"\n"),
                flags());
        assertEquals(Duration.ofDays(30), c.dhtConfig().records().maxTtl());
        assertEquals(Duration.ofMinutes(10), c.limits().rpcTimeout());
    }

    @Test
    void brokenTomlGivesTheLine() throws IOException {
        Path file = write("broken.toml", "[dht]\nk = 8\nalpha = = 3\n");
        error(file, List.of(), file.toString(), "not valid TOML", "line 3");
        error(dir.resolve("missing.toml"), List.of(), "missing.toml", "no such config file");
    }

    @Test
    void valuesThatClashNameBothKeys() throws IOException {
        error(write("a.toml", "[dht]\nk = 2\nalpha = 3\n"), List.of(), "a.toml", "dht.alpha", "dht.k");
        error(write("b.toml", "[dht]\nrepublish_interval = \"1h\"\nprovider_ttl = \"30m\"\n"), List.of(), "b.toml",
                "dht.republish_interval", "dht.provider_ttl");
        error(null, flags(Setting.assignment("dht.provider_ttl=3d")), "--set", "records.max_ttl");
    }

    @Test
    void badFlagsNameTheFlag() {
        String m = error(null, flags(Setting.flag("network.listen", "localhost", "--listen")), "--listen", "localhost");
        assertTrue(m.startsWith("--listen: "), m);
        error(null, flags(Setting.flag("network.bootstrap", List.of("127.0.0.1:99999"), "--bootstrap")), "--bootstrap", "port");
        error(null, flags(Setting.flag("log_level", "chatty", "--log-level")), "--log-level", "chatty");
        assertThrows(NodeException.class, () -> Setting.assignment("no-equals-sign"));
    }

    @Test
    void setReadsTomlValuesAndFallsBackToText() {
        NodeConfig c = NodeConfig.load(null, flags(
                Setting.assignment("network.listen=127.0.0.1:9"),
                Setting.assignment("network.bootstrap=[\"127.0.0.1:1\", \"127.0.0.1:2\"]"),
                Setting.assignment("limits.requests_per_second=50"),
                Setting.assignment("network.advertise_host=\"node.example.org\"")));
        assertEquals(new HostPort("127.0.0.1", 9), c.listen());
        assertEquals(2, c.bootstrap().size());
        assertEquals(50.0, c.limits().requestsPerSecond());
        assertEquals("node.example.org", c.advertiseHost());
        assertEquals("node.example.org", c.dhtConfig().advertisedHost());
    }

    @Test
    void durationsReadAndWriteTheSameWay() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals(Duration.ofMinutes(15), Durations.parse("PT15M"));
        for (String s : List.of("1h30m", "45s", "250ms", "2d", "1d2h3m4s5ms")) {
            assertEquals(s, Durations.format(Durations.parse(s)));
        }
        for (String bad : List.of("", "5", "5x", "h", "1.5h", "-3s", "99999999999999d")) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
    }

    @Test
    void contactLimitsAreKeysThatReachTheRoutingTable() throws IOException {
        NodeConfig c = NodeConfig.load(write("contacts.toml", """
                [dht]
                contacts_per_ip = 1
                contacts_per_subnet = 2
                contact_check_timeout = "500ms"
                max_pending_contact_checks = 8
                contact_proven_for = "1h"
                contact_retry_after = "30s"
                """), flags());
        ContactLimits limits = c.dhtConfig().contacts();
        assertEquals(1, limits.maxPerAddress());
        assertEquals(2, limits.maxPerSubnet());
        assertEquals(Duration.ofMillis(500), limits.checkTimeout());
        assertEquals(8, limits.maxPendingChecks());
        assertEquals(Duration.ofHours(1), limits.provenFor());
        assertEquals(Duration.ofSeconds(30), limits.retryFailedAfter());
        assertEquals(DhtConfig.defaults().contacts().capLoopback(), limits.capLoopback(), "loopback stays exempt");
        assertEquals(DhtConfig.defaults().contacts(), NodeConfig.defaults().dhtConfig().contacts());

        // The configured caps are the ones a routing table built from the config enforces.
        Random random = new Random(5);
        RoutingTable table = new RoutingTable(DhtKey.of(peer(random)), 20, limits);
        for (String host : List.of("203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.3")) {
            table.seen(new Contact(peer(random), host, 7600));
        }
        assertEquals(List.of("203.0.113.1", "203.0.113.2"), table.all().stream().map(Contact::host).sorted().toList());
        assertEquals(3, table.refusedByCaps());
    }

    private static PeerId peer(Random random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return PeerId.ofRawKey(key);
    }

    @Test
    void badContactLimitsNameTheKeyAndTheRange() throws IOException {
        error(write("a.toml", "[dht]\ncontacts_per_ip = 0\n"), List.of(), "a.toml", "dht.contacts_per_ip", "1..256", "got 0");
        error(write("b.toml", "[dht]\ncontacts_per_subnet = -4\n"), List.of(), "b.toml", "dht.contacts_per_subnet", "1..1024");
        error(null, flags(Setting.assignment("dht.contacts_per_ip=100000")), "--set", "dht.contacts_per_ip", "1..256", "100000");
        error(null, flags(Setting.assignment("dht.max_pending_contact_checks=0")), "dht.max_pending_contact_checks", "1..4096");
        error(null, flags(Setting.assignment("dht.contact_check_timeout=\"1ms\"")), "dht.contact_check_timeout",
                "from 100ms to 1m");
        error(null, flags(Setting.assignment("dht.contact_proven_for=\"30d\"")), "dht.contact_proven_for", "to 1d");
        error(null, flags(Setting.assignment("dht.contact_retry_after=0")), "dht.contact_retry_after", "from 1s");
        // A subnet cap below the address cap is a clash: both keys are named.
        error(write("c.toml", "[dht]\ncontacts_per_ip = 8\ncontacts_per_subnet = 4\n"), List.of(), "c.toml",
                "dht.contacts_per_subnet (4)", "dht.contacts_per_ip (8)");
    }

    /** Fault injection only on a devnet's member listening on loopback: never one slip from a real network. */
    @Test
    void faultsAreForDevnetNodesOnLoopbackOnly() {
        Setting perturb = Setting.assignment("fault.mode=\"perturb\"");
        error(null, flags(perturb, Setting.flag("network.listen", "127.0.0.1:7701", "--listen")),
                "--set fault.mode=\"perturb\"", "devnets only", "mycel devnet --fault");
        Setting member = Setting.assignment("devnet.member=true");
        error(null, flags(perturb, member), "listens on 0.0.0.0:7600", "loopback");
        error(null, flags(perturb, member, Setting.flag("network.listen", "127.0.0.1:7701", "--listen"),
                Setting.assignment("network.advertise_host=\"203.0.113.7\"")), "advertises 203.0.113.7");
        NodeConfig c = NodeConfig.load(null, flags(perturb, member, Setting.assignment("fault.after_steps=12"),
                Setting.flag("network.listen", "127.0.0.1:7701", "--listen")));
        assertEquals(new Fault(Fault.Kind.PERTURB, 12), c.inference().fault());
        error(null, flags(Setting.assignment("fault.mode=\"lie\"")), "fault.mode", "none, perturb, stall or drop", "lie");
        error(null, flags(Setting.assignment("fault.after_steps=-1")), "fault.after_steps", "-1");
        // An honest node is anyone's, devnet or not.
        assertEquals(Fault.NONE, NodeConfig.load(null, flags(member)).inference().fault());
    }
}
