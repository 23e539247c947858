package dev.mycel.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.identity.PeerId;
import dev.mycel.node.daemon.NodeConfig.Setting;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node in this JVM, driven through its admin API over HTTP. */
class NodeDaemonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Logger LOG = Logger.getLogger(NodeDaemonTest.class.getName());

    @TempDir
    Path dir;

    private final List<NodeDaemon> started = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        started.forEach(NodeDaemon::close);
    }

    private NodeDaemon start(Path data, String... sets) throws IOException {
        List<Setting> flags = new ArrayList<>();
        flags.add(Setting.flag("data_dir", data.toString(), "--data"));
        flags.add(Setting.flag("network.listen", "127.0.0.1:0", "--listen"));
        for (String s : sets) {
            flags.add(Setting.assignment(s));
        }
        NodeDaemon d = NodeDaemon.start(NodeConfig.load(null, flags), LOG);
        started.add(d);
        return d;
    }

    private record Reply(int status, JsonNode body) {
    }

    private static Reply call(NodeDaemon d, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + d.info().admin() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()));
    }

    private static String token(NodeDaemon d) throws IOException {
        return Files.readString(d.config().dataDir().resolve(DataDir.TOKEN_FILE)).strip();
    }

    @Test
    void theAdminApiWantsTheTokenFromTheOwnerOnlyFile() throws Exception {
        NodeDaemon d = start(dir.resolve("a"));
        Path tokenFile = dir.resolve("a").resolve(DataDir.TOKEN_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        String token = token(d);
        assertTrue(token.length() >= 40, "32 random bytes");

        Reply none = call(d, "GET", "/v1/status", null, null);
        assertEquals(401, none.status());
        assertTrue(none.body().path("error").asText().contains("admin.token"), none.body().toString());
        Reply wrong = call(d, "GET", "/v1/status", null, token.substring(1) + "x");
        assertEquals(401, wrong.status());
        assertEquals("wrong admin token", wrong.body().path("error").asText());
        assertEquals(401, call(d, "POST", "/v1/dht/put", "{\"key\":\"a\",\"value\":\"b\"}", "").status());

        Reply ok = call(d, "GET", "/v1/status", null, token);
        assertEquals(200, ok.status());
        assertEquals(d.dht().id().toString(), ok.body().path("peer_id").asText());
        assertEquals(0, ok.body().path("peers").asInt());
        assertEquals(20, ok.body().path("k").asInt());
        assertEquals(ProcessHandle.current().pid(), ok.body().path("pid").asLong());
    }

    @Test
    void nodeJsonTellsCommandsWhereTheNodeIsAndGoesAwayWithIt() throws Exception {
        Path data = dir.resolve("n");
        NodeDaemon d = start(data);
        NodeInfo info = NodeInfo.read(data).orElseThrow();
        assertEquals(ProcessHandle.current().pid(), info.pid());
        assertEquals(d.dht().id().toString(), info.peerId());
        assertEquals("127.0.0.1:" + d.dht().port(), info.listen());
        assertTrue(info.admin().startsWith("127.0.0.1:"), info.admin());
        assertTrue(DataDir.inUse(data));
        JsonNode viaClient = AdminClient.forDataDir(data).get("/v1/status");
        assertEquals(info.peerId(), viaClient.path("peer_id").asText());

        d.close();
        assertFalse(Files.exists(data.resolve(DataDir.NODE_FILE)));
        assertFalse(Files.exists(data.resolve(DataDir.TOKEN_FILE)));
        assertFalse(DataDir.inUse(data));
        NodeException e = assertThrows(NodeException.class, () -> AdminClient.forDataDir(data));
        assertTrue(e.getMessage().contains("mycel node start --data " + data), e.getMessage());

        // The same folder gives the same identity the next time.
        NodeDaemon again = start(data);
        assertEquals(d.dht().id(), again.dht().id());
    }

    @Test
    void aSecondNodeOnTheSameDataFolderIsRefused() throws Exception {
        Path data = dir.resolve("one");
        start(data);
        NodeException e = assertThrows(NodeException.class, () -> start(data));
        assertTrue(e.getMessage().startsWith("another node is already running on " + data), e.getMessage());
        assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        // The refused start left the running node's files alone.
        assertTrue(AdminClient.forDataDir(data).get("/v1/status").path("peer_id").isTextual());
    }

    @Test
    void theAdminApiStaysOnLoopbackUnlessAllowed() throws Exception {
        NodeException e = assertThrows(NodeException.class, () -> start(dir.resolve("r"), "admin.listen=0.0.0.0:0"));
        assertTrue(e.getMessage().contains("admin.allow_remote = true"), e.getMessage());
        assertFalse(DataDir.inUse(dir.resolve("r")), "a failed start releases the data folder");
        assertFalse(Files.exists(dir.resolve("r").resolve(DataDir.NODE_FILE)));

        NodeDaemon d = start(dir.resolve("r"), "admin.listen=0.0.0.0:0", "admin.allow_remote=true");
        assertTrue(d.info().admin().startsWith("127.0.0.1:"), "node.json gives an address this machine can dial");
        assertEquals(200, call(d, "GET", "/v1/status", null, token(d)).status());
    }

    @Test
    void badRequestsGetA400WithTheReason() throws Exception {
        NodeDaemon d = start(dir.resolve("b"));
        String t = token(d);
        assertError(call(d, "POST", "/v1/dht/put", "{\"value\":\"v\"}", t), 400, "lacks \"key\"");
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"k\",\"value\":3}", t), 400, "\"value\" must be a string");
        assertError(call(d, "POST", "/v1/dht/put", "not json", t), 400, "not JSON");
        assertError(call(d, "POST", "/v1/dht/put", "[1,2]", t), 400, "JSON object");
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"k\",\"value\":\"v\",\"ttl\":\"forever\"}", t), 400, "\"forever\"");
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"k\",\"value\":\"v\",\"ttl\":\"30d\"}", t), 400, "records.max_ttl");
        String other = PeerId.ofRawKey(new byte[32]).toString();
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"" + other + "/k\",\"value\":\"v\"}", t), 400, "its own peer id");
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"" + "n".repeat(300) + "\",\"value\":\"v\"}", t), 400, "name longer");
        assertError(call(d, "POST", "/v1/dht/get", "{\"key\":\"\"}", t), 400, "empty");
        assertError(call(d, "POST", "/v1/dht/provide", "{\"key\":\"x\",\"payload\":\"" + "p".repeat(2000) + "\"}", t), 400, "payload");
        assertError(call(d, "GET", "/v1/nothing", null, t), 404, "no such endpoint");
        assertError(call(d, "GET", "/v1/dht/put", null, t), 405, "GET is not allowed");
        assertError(call(d, "POST", "/v1/dht/put", "{\"key\":\"k\",\"value\":\"" + "v".repeat((1 << 20) + 10) + "\"}", t), 413, "larger");
    }

    /**
     * A body far over the limit still gets its JSON answer rather than a connection reset: the
     * server reads and drops the rest before answering, also when it refuses before reading. The
     * client is a plain socket that sends the whole request before reading, as simple clients do
     * (java.net.http reads while it sends, so it would see the answer either way).
     */
    @Test
    void anOversizedRequestGetsA413WithTheReasonNotAReset() throws Exception {
        NodeDaemon d = start(dir.resolve("o"));
        String t = token(d);
        byte[] big = ("{\"key\":\"k\",\"value\":\"" + "v".repeat(16 << 20) + "\"}").getBytes(StandardCharsets.US_ASCII);
        String tooLarge = sendWhole(d, big, t);
        assertTrue(tooLarge.startsWith("HTTP/1.1 413 ") && tooLarge.endsWith("\r\n\r\n{\"error\":\"request body larger than 1048576 bytes\"}\n"),
                tooLarge);
        String unauthorized = sendWhole(d, big, null);
        assertTrue(unauthorized.startsWith("HTTP/1.1 401 ") && unauthorized.contains("{\"error\":\"the admin API needs the token"),
                unauthorized);
        assertEquals(200, call(d, "GET", "/v1/status", null, t).status(), "the API goes on answering");
    }

    /** Writes a whole POST of {@code body} on a plain socket, then reads the answer to its end. */
    private static String sendWhole(NodeDaemon d, byte[] body, String token) throws IOException {
        String[] hostPort = d.info().admin().split(":");
        try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            s.setSoTimeout(30_000);
            String head = "POST /v1/dht/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length + "\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
            var out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertError(Reply r, int status, String text) {
        assertEquals(status, r.status(), r.body().toString());
        String m = r.body().path("error").asText();
        assertTrue(m.contains(text), "'" + text + "' not in: " + m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void aLoneNodeKeepsItsOwnValuesAndProviders() throws Exception {
        NodeDaemon d = start(dir.resolve("v"));
        AdminClient c = AdminClient.forDataDir(dir.resolve("v"));
        String id = d.dht().id().toString();
        JsonNode put = c.post("/v1/dht/put", JSON.createObjectNode().put("key", "motd").put("value", "grüß dich").put("ttl", "10m"));
        assertEquals(1, put.path("stored_on").asInt(), "only itself to store on");
        assertEquals(id + "/motd", put.path("key").asText());
        for (String key : List.of("motd", id + "/motd")) {
            JsonNode got = c.post("/v1/dht/get", JSON.createObjectNode().put("key", key));
            assertTrue(got.path("found").asBoolean(), got.toString());
            assertEquals("grüß dich", got.path("value").asText());
        }
        assertFalse(c.post("/v1/dht/get", JSON.createObjectNode().put("key", "nothing")).path("found").asBoolean());

        String hex = DhtKey.sha256("model-x".getBytes(StandardCharsets.UTF_8)).hex();
        c.post("/v1/dht/provide", JSON.createObjectNode().put("key", "model-x").put("payload", "blocks 0-7"));
        for (String key : List.of("model-x", hex, hex.toUpperCase(java.util.Locale.ROOT))) {
            JsonNode p = c.post("/v1/dht/providers", JSON.createObjectNode().put("key", key));
            assertEquals(hex, p.path("dht_key").asText());
            assertEquals(1, p.path("providers").size(), p.toString());
            assertEquals(id, p.path("providers").get(0).path("peer_id").asText());
            assertEquals("blocks 0-7", p.path("providers").get(0).path("payload").asText());
            assertEquals("127.0.0.1:" + d.dht().port(), p.path("providers").get(0).path("address").asText());
        }
        JsonNode s = c.get("/v1/status");
        assertEquals(1, s.path("values").asInt());
        assertEquals(1, s.path("providers").asInt());
    }

    @Test
    void aBootstrapPeerThatStartsLaterIsJoinedWhenItComes() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NodeDaemon early = start(dir.resolve("early"), "network.bootstrap=\"127.0.0.1:" + port + "\"");
        Thread.sleep(1500);
        assertFalse(early.joined());
        assertEquals(0, early.dht().peers().size());
        NodeDaemon late = start(dir.resolve("late"), "network.listen=\"127.0.0.1:" + port + "\"");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!(early.joined() && late.dht().peers().size() == 1) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(early.joined(), "the early node kept trying");
        assertEquals(List.of(late.dht().id()), early.dht().peers().stream().map(c -> c.peer()).toList());
        assertEquals(List.of(early.dht().id()), late.dht().peers().stream().map(c -> c.peer()).toList());
        // The late node learnt of the early one only from its calls, so it admitted it after one call back.
        JsonNode contacts = AdminClient.forDataDir(dir.resolve("late")).get("/v1/status").path("contacts");
        assertEquals(1, contacts.path("admitted").asLong(), contacts.toString());
        assertEquals(0, contacts.path("failed_checks").asLong(), contacts.toString());
        assertEquals(0, contacts.path("refused_by_caps").asLong(), contacts.toString());
        assertEquals(0, contacts.path("dropped").asLong(), contacts.toString());
        assertEquals(0, contacts.path("pending").asInt(), contacts.toString());
    }

    @Test
    void valueKeysAreNamesOrPeerIdSlashName() {
        PeerId self = PeerId.ofRawKey(new byte[32]);
        PeerId other = PeerId.ofRawKey(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
            21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        assertEquals(new AdminApi.ValueName(self, "plain"), AdminApi.valueName("plain", self));
        assertEquals(new AdminApi.ValueName(other, "a/b"), AdminApi.valueName(other + "/a/b", self));
        assertEquals(new AdminApi.ValueName(self, "mcnot-a-peer/x"), AdminApi.valueName("mcnot-a-peer/x", self));
        assertEquals(new AdminApi.ValueName(self, "models/llama"), AdminApi.valueName("models/llama", self));
    }
}
