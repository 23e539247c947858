package dev.mycel.node.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.Contact;
import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.dht.Records;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import dev.mycel.node.daemon.AdminServer.ApiException;
import dev.mycel.node.daemon.AdminServer.Route;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admin API's endpoints. Each turns a JSON request into calls on the node's DHT and the
 * result into JSON; a request that cannot be served is a 400 with a one-line reason.
 *
 * <pre>
 * GET  /v1/status          who and where the node is, its routing table and store sizes, how
 *                          callers fared on their way into the table, and the blocks it serves
 *                          with their sessions and pushes
 * GET  /v1/peers           the routing table
 * POST /v1/dht/put         {"key": NAME, "value": TEXT, "ttl": "1h"}  publish under this node's id
 * POST /v1/dht/get         {"key": NAME | PEERID/NAME}               read a published value
 * POST /v1/dht/providers   {"key": HEX64 | TEXT}                     who provides a key
 * POST /v1/dht/provide     {"key": HEX64 | TEXT, "payload": TEXT}    announce this node provides it
 * GET  /v1/ledger          where this node's ledger is (hosted here, another node's, an EVM contract)
 * </pre>
 */
final class AdminApi {
    static final Duration DEFAULT_TTL = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NodeDaemon node;

    AdminApi(NodeDaemon node) {
        this.node = node;
    }

    Map<String, Route> routes() {
        Map<String, Route> r = new LinkedHashMap<>();
        r.put("GET /v1/status", body -> status());
        r.put("GET /v1/peers", body -> peers());
        r.put("POST /v1/dht/put", this::put);
        r.put("POST /v1/dht/get", this::get);
        r.put("POST /v1/dht/providers", this::providers);
        r.put("POST /v1/dht/provide", this::provide);
        r.put("GET /v1/ledger", body -> ledger());
        return r;
    }

    private DhtNode dht() {
        return node.dht();
    }

    private JsonNode status() {
        DhtNode.Stats s = dht().stats();
        NodeInfo info = node.info();
        ObjectNode o = JSON.createObjectNode();
        o.put("peer_id", dht().id().toString());
        o.put("listen", dht().self().address());
        o.put("bind", new HostPort(node.config().listen().host(), dht().port()).toString());
        o.put("admin", info.admin());
        o.put("data_dir", node.config().dataDir().toString());
        o.put("pid", info.pid());
        o.put("started_at", node.startedAt().toString());
        o.put("uptime_ms", s.uptimeMs());
        o.put("joined", node.joined());
        ArrayNode via = o.putArray("bootstrap");
        node.config().bootstrap().forEach(b -> via.add(b.toString()));
        o.put("peers", s.peers());
        o.put("k", node.config().k());
        o.put("values", s.values());
        o.put("providers", s.providers());
        o.put("refused_records", s.refusedRecords());
        o.put("rate_limited_calls", s.rateLimitedCalls());
        DhtNode.Admission a = s.contacts();
        o.putObject("contacts").put("admitted", a.admitted()).put("failed_checks", a.failedChecks())
                .put("refused_by_caps", a.refusedByCaps()).put("dropped", a.dropped()).put("pending", a.pending());
        var served = node.served();
        if (served != null) {
            var si = served.info();
            ObjectNode b = o.putObject("serving");
            b.put("model", java.util.HexFormat.of().formatHex(si.getModel().toByteArray()));
            b.put("first", si.getFirst()).put("last", si.getEnd() - 1).put("layers", si.getLayers());
            b.put("blocks_per_second", si.getBlocksPerSecond()).put("free_cache_tokens", si.getFreeCacheTokens());
            b.put("session_port", si.getSessionPort()).put("sessions", served.activeSessions());
            b.put("frame_connections", served.frameConnections());
            b.put("pushes_sent", served.pushesSent()).put("pushes_taken", served.pushesTaken());
        }
        return o;
    }

    /**
     * Where this node's ledger is, so that its commands (wallet, channel, ledger) use the same
     * one as the node, however the node was configured (a file, flags, devnet).
     */
    private JsonNode ledger() {
        NodeConfig.Ledger l = node.config().ledger();
        ObjectNode o = JSON.createObjectNode();
        o.put("backend", l.backend());
        o.put("chain", l.chain());
        o.put("host", l.host());
        if (l.host()) {
            o.put("address", dht().id() + "@" + dht().self().address());
        } else if (l.address() != null) {
            o.put("address", l.address().toString());
        } else {
            o.putNull("address");
        }
        o.put("genesis", l.genesis());
        o.put("evm_rpc", l.evmRpc());
        o.put("evm_contract", l.evmContract());
        return o;
    }

    private JsonNode peers() {
        DhtKey self = DhtKey.of(dht().id());
        List<Contact> peers = new ArrayList<>(dht().peers());
        // Closest first, by Kademlia's XOR distance: the order the DHT itself prefers them in.
        peers.sort(Comparator.comparing(Contact::key, self::compareDistance));
        ObjectNode o = JSON.createObjectNode();
        o.put("count", peers.size());
        ArrayNode a = o.putArray("peers");
        for (Contact c : peers) {
            a.addObject().put("peer_id", c.peer().toString()).put("address", c.address());
        }
        return o;
    }

    // ---- values ----

    /** A value's place: the publisher's peer id and the name. */
    record ValueName(PeerId publisher, String name) {
        @Override
        public String toString() {
            return publisher + "/" + name;
        }
    }

    /**
     * Reads a value key: {@code PEERID/NAME} names another publisher's value, anything else is
     * a name in this node's own namespace (so a name may itself hold slashes).
     */
    static ValueName valueName(String key, PeerId self) {
        if (key.isEmpty()) {
            throw new ApiException(400, "the key is empty");
        }
        int slash = key.indexOf('/');
        if (slash > 0 && key.startsWith("mc")) {
            try {
                PeerId publisher = PeerId.parse(key.substring(0, slash));
                String name = key.substring(slash + 1);
                if (name.isEmpty()) {
                    throw new ApiException(400, "no name after the peer id in \"" + key + "\"");
                }
                return new ValueName(publisher, name);
            } catch (IllegalArgumentException notAPeerId) {
                // An ordinary name that happens to start with "mc" and hold a slash.
            }
        }
        return new ValueName(self, key);
    }

    /** A provider key: 64 hex digits are the key itself; any other text is hashed to one. */
    static DhtKey providerKey(String key) {
        if (key.isEmpty()) {
            throw new ApiException(400, "the key is empty");
        }
        if (key.length() == 2 * DhtKey.BYTES && key.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return DhtKey.parseHex(key.toLowerCase(java.util.Locale.ROOT));
        }
        return DhtKey.sha256(key.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode put(JsonNode body) throws InterruptedException {
        ValueName v = valueName(text(body, "key", true), dht().id());
        if (!v.publisher().equals(dht().id())) {
            throw new ApiException(400, "a node can only put values under its own peer id (" + dht().id()
                    + "), not under " + v.publisher());
        }
        String value = text(body, "value", true);
        Duration ttl = DEFAULT_TTL;
        String ttlText = text(body, "ttl", false);
        if (ttlText != null) {
            try {
                ttl = Durations.parse(ttlText);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "ttl: " + e.getMessage());
            }
            if (ttl.toMillis() < 1000) {
                throw new ApiException(400, "ttl: a value must live at least 1s, got " + ttlText);
            }
        }
        if (ttl.compareTo(node.config().records().maxTtl()) > 0) {
            throw new ApiException(400, "ttl: " + Durations.format(ttl) + " is longer than peers keep records (records.max_ttl = "
                    + Durations.format(node.config().records().maxTtl()) + ")");
        }
        Instant expires = Instant.now().plus(ttl);
        int stored;
        try {
            stored = dht().put(v.name(), value.getBytes(StandardCharsets.UTF_8), ttl);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("key", v.toString());
        o.put("dht_key", Records.valueKey(v.publisher(), v.name()).hex());
        o.put("stored_on", stored);
        o.put("expires_at", expires.toString());
        return o;
    }

    private JsonNode get(JsonNode body) throws InterruptedException {
        ValueName v = valueName(text(body, "key", true), dht().id());
        Optional<ValueRecord> found = dht().get(v.publisher(), v.name());
        ObjectNode o = JSON.createObjectNode();
        o.put("key", v.toString());
        o.put("found", found.isPresent());
        if (found.isPresent()) {
            ValueRecord r = found.get();
            putBytes(o, "value", r.getValue().toByteArray());
            o.put("sequence", r.getSequence());
            o.put("expires_at", Instant.ofEpochMilli(r.getExpiresAtMs()).toString());
        }
        return o;
    }

    // ---- providers ----

    private JsonNode providers(JsonNode body) throws InterruptedException {
        String keyText = text(body, "key", true);
        DhtKey key = providerKey(keyText);
        List<ProviderRecord> found = dht().providers(key);
        ObjectNode o = JSON.createObjectNode();
        o.put("key", keyText);
        o.put("dht_key", key.hex());
        ArrayNode a = o.putArray("providers");
        for (ProviderRecord p : found) {
            ObjectNode e = a.addObject();
            e.put("peer_id", Records.providerOf(p).toString());
            e.put("address", new BootstrapAddress(null, p.getHost(), p.getPort()).toString());
            putBytes(e, "payload", p.getPayload().toByteArray());
            e.put("expires_at", Instant.ofEpochMilli(p.getExpiresAtMs()).toString());
        }
        return o;
    }

    private JsonNode provide(JsonNode body) throws InterruptedException {
        String keyText = text(body, "key", true);
        DhtKey key = providerKey(keyText);
        String payload = text(body, "payload", false);
        int stored;
        try {
            stored = dht().provide(key, payload == null ? new byte[0] : payload.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("key", keyText);
        o.put("dht_key", key.hex());
        o.put("stored_on", stored);
        return o;
    }

    // ---- helpers ----

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ApiException(400, "the request lacks \"" + field + "\"");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new ApiException(400, "\"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    /** Bytes as text when they are UTF-8 (field), else as base64 (field_base64). */
    private static void putBytes(ObjectNode o, String field, byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            o.put(field, s);
        } catch (CharacterCodingException e) {
            o.put(field + "_base64", Base64.getEncoder().encodeToString(bytes));
        }
    }
}
