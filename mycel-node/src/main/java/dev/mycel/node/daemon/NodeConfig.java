package dev.mycel.node.daemon;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.mycel.inference.server.Fault;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.ContactLimits;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.RecordLimits;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.grpc.NetLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * Everything a node is configured with. Values come from three layers, each overriding the one
 * before: the built-in defaults, the config file (TOML), then command-line flags. Every key of
 * the file is listed in {@link #KEYS} and documented in {@code docs/node.example.toml}; an
 * unknown key or a value of the wrong type is an error that names the key and where it came from.
 *
 * @param dataDir          where the identity key, routing table, admin token and node.json live
 * @param logLevel         error, warn, info, debug or trace
 * @param listen           where the DHT listens for peers
 * @param advertiseHost    the host peers should dial, when it differs from the listen host (null: derived)
 * @param bootstrap        peers to join through
 * @param adminListen      where the local admin API listens
 * @param adminAllowRemote whether the admin API may listen on a non-loopback address
 * @param k                Kademlia bucket size and replication factor
 * @param alpha            parallel requests per lookup
 * @param refreshInterval  a bucket with no lookup for this long is refreshed
 * @param republishInterval own records are stored again this often
 * @param providerTtl      how long a provider record lives unless republished
 * @param limits           transport limits
 * @param records          bounds on what the node stores for others
 * @param contacts         what a caller must prove before it enters the routing table, and how
 *                         many contacts may share an address or subnet
 * @param inference        block serving and the OpenAI-compatible HTTP API
 * @param ledger           where the ledger lives (hosted here, or another node's) and its rules
 */
public record NodeConfig(Path dataDir, String logLevel, HostPort listen, String advertiseHost,
                         List<BootstrapAddress> bootstrap, HostPort adminListen, boolean adminAllowRemote,
                         int k, int alpha, Duration refreshInterval, Duration republishInterval, Duration providerTtl,
                         NetLimits limits, RecordLimits records, ContactLimits contacts, Inference inference,
                         Ledger ledger) {

    /**
     * What the node does for distributed inference.
     *
     * @param serveModel        model file whose blocks this node serves (null: none)
     * @param serveFirst        first block served, or -1 to let the node choose where the network needs it
     * @param serveEnd          one past the last block served (with a chosen span: unused)
     * @param serveBlockCount   blocks held when the node chooses its span (0: all of them)
     * @param serveThreads      threads for the served blocks (0: all cores)
     * @param cacheBytes        KV cache memory shared by the sessions of this server
     * @param sessionPort       port of the frame socket that carries sessions (0: any free port,
     *                          -1: none, sessions over gRPC only)
     * @param rebalanceInterval how often a node with a chosen span checks whether to move
     * @param httpListen        where the OpenAI-compatible HTTP API listens (null: off)
     * @param httpModels        model files the HTTP API runs whole in this process
     * @param networkModels     model files the HTTP API runs through block servers in the network
     * @param spotChecks        fraction of network steps verified on a second server
     * @param fault             what the served blocks do wrong on purpose (devnets only)
     */
    public record Inference(Path serveModel, int serveFirst, int serveEnd, int serveBlockCount, int serveThreads,
                            long cacheBytes, int sessionPort, Duration rebalanceInterval, HostPort httpListen, List<Path> httpModels,
                            List<Path> networkModels, double spotChecks, Fault fault) {
        public Inference {
            httpModels = List.copyOf(httpModels);
            networkModels = List.copyOf(networkModels);
        }
    }

    /**
     * The ledger: this node hosts the embedded one ({@code host}), or reaches the host at {@code
     * address}; with neither, commands use an embedded ledger of this node's own (one machine).
     * The rest are the rules a host creates its ledger with (fixed once it exists): the chain
     * name, whether the host's key mints (a devnet's faucet), the unbonding delay, the referees
     * and their quorum, the injured party's share of a slash and the treasury for the rest
     * (null: burnt). {@code genesis}, when set, pins the ledger a node accepts. With {@code backend}
     * "evm" the ledger is instead the {@code MycelLedger} contract at {@code evmContract} on the
     * chain whose JSON-RPC is {@code evmRpc}, and the node pays with its EVM key.
     */
    public record Ledger(boolean host, BootstrapAddress address, String chain, String genesis, boolean faucet,
                         Duration unbonding, List<PeerId> referees, int quorum, double injuredShare, PeerId treasury,
                         String backend, String evmRpc, String evmContract) {
        public Ledger {
            referees = List.copyOf(referees);
        }

        /** The rules a node creates its ledger with; its own key ({@code self}) is the faucet when {@code faucet} is set. */
        public LedgerRules rules(PeerId self) {
            try {
                return new LedgerRules(chain, faucet ? self : null, unbonding.toMillis(), referees, quorum,
                        (int) Math.round(injuredShare * 10_000), treasury);
            } catch (IllegalArgumentException e) {
                throw new NodeException("[ledger]: " + e.getMessage());
            }
        }
    }

    /** The default DHT listen address: every interface, on a port kept clear of devnet's 7700 and up. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("0.0.0.0", 7600);
    /** The default admin address: loopback, any free port (node.json says which). */
    public static final HostPort DEFAULT_ADMIN = new HostPort("127.0.0.1", 0);
    /** The config file a node reads from its data folder when no --config is given. */
    public static final String FILE_IN_DATA_DIR = "config.toml";
    private static final long MAX_FILE_BYTES = 1 << 20;

    public NodeConfig {
        bootstrap = List.copyOf(bootstrap);
    }

    /** {@code $MYCEL_HOME}, else {@code ~/.mycel}: where a node keeps its data unless told otherwise. */
    public static Path defaultDataDir() {
        String env = System.getenv("MYCEL_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".mycel");
    }

    /** The settings the DHT runs with. */
    public DhtConfig dhtConfig() {
        return new DhtConfig(listen.host(), listen.port(), advertiseHost, k, alpha, refreshInterval, republishInterval,
                providerTtl, limits, records, contacts);
    }

    /** The java.util.logging level of {@link #logLevel}. */
    public Level julLevel() {
        return switch (logLevel) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> Level.INFO;
        };
    }

    // ---- loading ----

    /** One value for one key, and where it came from (a file, a flag), for error messages. */
    public record Setting(String key, JsonNode value, String source) {
        /** A flag's text value: {@code --listen 127.0.0.1:7701} is {@code ("network.listen", "127.0.0.1:7701", "--listen")}. */
        public static Setting flag(String key, String text, String flag) {
            return new Setting(key, TextNode.valueOf(text), flag);
        }

        /** A flag with several values (repeated or comma-separated), as a list. */
        public static Setting flag(String key, List<String> texts, String flag) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            for (String t : texts) {
                for (String part : t.split(",")) {
                    if (!part.isBlank()) {
                        a.add(part.strip());
                    }
                }
            }
            return new Setting(key, a, flag);
        }

        /**
         * {@code --set KEY=VALUE}: the value is read as TOML ({@code 8}, {@code true},
         * {@code "text"}, {@code ["a", "b"]}), or taken as text when it is not TOML.
         */
        public static Setting assignment(String text) {
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw new NodeException("--set " + text + ": write it as KEY=VALUE, for example --set dht.k=8");
            }
            String key = text.substring(0, eq).strip();
            String raw = text.substring(eq + 1).strip();
            JsonNode value;
            try {
                value = TOML.readTree("v = " + raw).get("v");
            } catch (JacksonException e) {
                value = null;
            }
            return new Setting(key, value != null ? value : TextNode.valueOf(raw), "--set " + text);
        }
    }

    /**
     * The config of a node: defaults, then {@code configFile} (when null, the data folder's
     * {@code config.toml} if there is one), then the flags in order.
     */
    public static NodeConfig load(Path configFile, List<Setting> flags) {
        Builder b = new Builder();
        Path file = configFile;
        boolean fromDataDir = false;
        if (file == null) {
            Path dataDir = defaultDataDir();
            for (Setting s : flags) {
                if (s.key().equals("data_dir")) {
                    dataDir = b.convert(s, null).path();
                }
            }
            Path candidate = dataDir.resolve(FILE_IN_DATA_DIR);
            if (Files.isRegularFile(candidate)) {
                file = candidate;
                fromDataDir = true;
            }
        }
        if (file != null) {
            b.file(file);
            if (fromDataDir && b.sources.containsKey("data_dir")
                    && !b.values.get("data_dir").equals(file.toAbsolutePath().getParent())) {
                throw new NodeException(file + ": data_dir: a config file inside a data folder cannot move the data"
                        + " folder elsewhere; remove the key, or pass the file with --config");
            }
        }
        for (Setting s : flags) {
            b.set(s, null);
        }
        return b.build();
    }

    /** The defaults alone (what a node runs with when nothing is configured). */
    public static NodeConfig defaults() {
        return new Builder().build();
    }

    /** The config written in a TOML text (tests, and checking the documented example). */
    public static NodeConfig parse(String toml, String sourceName, Path baseDir) {
        Builder b = new Builder();
        b.tree(read(toml, sourceName), sourceName, baseDir);
        return b.build();
    }

    private static final TomlMapper TOML = new TomlMapper();

    private static JsonNode read(String toml, String sourceName) {
        try {
            JsonNode tree = TOML.readTree(toml);
            return tree != null ? tree : JsonNodeFactory.instance.objectNode();
        } catch (JacksonException e) {
            String m = e.getOriginalMessage().replace('\n', ' ');
            var loc = e.getLocation();
            String where = loc != null && loc.getLineNr() > 0 ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : "";
            throw new NodeException(sourceName + ": not valid TOML: " + m + where);
        }
    }

    // ---- the keys ----

    private enum Type { PATH, OPT_PATH, PATHS, SPAN, OPT_HOST_PORT, FRACTION, LEVEL, HOST_PORT, HOST, BOOTSTRAP, BOOL, INT, NUMBER, DURATION,
        FAULT, CHAIN, HEX32, OPT_PEER, PEERS, OPT_ADDRESS, OPT_URL, OPT_EVM_ADDRESS }

    private record Key(String name, Type type, long min, long max, Function<Defaults, Object> dflt) {
    }

    /** Values of the defaults layer, derived from mycel-net's own defaults so the two never drift. */
    private record Defaults(DhtConfig dht) {
    }

    private static final long NO_MAX = Long.MAX_VALUE;
    /**
     * Durations are bounded in milliseconds both ways: a typo such as "99999999d" would otherwise be
     * taken (a record lifetime of 270,000 years, a timeout that never fires). The upper bounds are
     * far beyond any sensible setting: a week for DHT intervals, 30 days for record lifetimes, a
     * day for keep-alives and rebalancing, 10 minutes for a call's or a handshake's timeout.
     */
    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long DAY = 24 * 60 * MINUTE;

    /** Every key a config file may hold, in the order of the documented example. */
    public static final List<String> KEYS;
    private static final Map<String, Key> SPECS = new LinkedHashMap<>();

    private static void key(String name, Type type, long min, long max, Function<Defaults, Object> dflt) {
        SPECS.put(name, new Key(name, type, min, max, dflt));
    }

    static {
        key("data_dir", Type.PATH, 0, 0, d -> defaultDataDir());
        key("log_level", Type.LEVEL, 0, 0, d -> "info");
        key("network.listen", Type.HOST_PORT, 0, 0, d -> DEFAULT_LISTEN);
        key("network.advertise_host", Type.HOST, 0, 0, d -> "");
        key("network.bootstrap", Type.BOOTSTRAP, 0, 0, d -> List.of());
        key("admin.listen", Type.HOST_PORT, 0, 0, d -> DEFAULT_ADMIN);
        key("admin.allow_remote", Type.BOOL, 0, 0, d -> false);
        key("dht.k", Type.INT, 1, 64, d -> (long) d.dht().k());
        key("dht.alpha", Type.INT, 1, 64, d -> (long) d.dht().alpha());
        key("dht.refresh_interval", Type.DURATION, SECOND, 7 * DAY, d -> d.dht().refreshInterval());
        key("dht.republish_interval", Type.DURATION, SECOND, 7 * DAY, d -> d.dht().republishInterval());
        key("dht.provider_ttl", Type.DURATION, SECOND, 30 * DAY, d -> d.dht().providerTtl());
        // Caps far above the defaults are still allowed (a node on a network behind one NAT), but
        // not caps that would mean no cap at all: a routing table holds a few thousand contacts.
        key("dht.contacts_per_ip", Type.INT, 1, 256, d -> (long) d.dht().contacts().maxPerAddress());
        key("dht.contacts_per_subnet", Type.INT, 1, 1024, d -> (long) d.dht().contacts().maxPerSubnet());
        key("dht.contact_check_timeout", Type.DURATION, 100, MINUTE, d -> d.dht().contacts().checkTimeout());
        key("dht.max_pending_contact_checks", Type.INT, 1, 4096, d -> (long) d.dht().contacts().maxPendingChecks());
        key("dht.contact_proven_for", Type.DURATION, SECOND, DAY, d -> d.dht().contacts().provenFor());
        key("dht.contact_retry_after", Type.DURATION, SECOND, DAY, d -> d.dht().contacts().retryFailedAfter());
        key("limits.max_message_bytes", Type.INT, 1024, Integer.MAX_VALUE, d -> (long) d.dht().net().maxMessageBytes());
        key("limits.rpc_timeout", Type.DURATION, 100, 10 * MINUTE, d -> d.dht().net().rpcTimeout());
        key("limits.handshake_timeout", Type.DURATION, 100, 10 * MINUTE, d -> d.dht().net().handshakeTimeout());
        key("limits.keepalive_time", Type.DURATION, SECOND, DAY, d -> d.dht().net().keepAliveTime());
        key("limits.keepalive_timeout", Type.DURATION, 100, 10 * MINUTE, d -> d.dht().net().keepAliveTimeout());
        key("limits.requests_per_second", Type.NUMBER, 0, 0, d -> d.dht().net().requestsPerSecond());
        key("limits.request_burst", Type.INT, 1, Integer.MAX_VALUE, d -> (long) d.dht().net().requestBurst());
        key("limits.max_concurrent_calls", Type.INT, 1, Integer.MAX_VALUE, d -> (long) d.dht().net().maxConcurrentCalls());
        key("records.max_name_bytes", Type.INT, 1, Integer.MAX_VALUE, d -> (long) d.dht().records().maxNameBytes());
        key("records.max_value_bytes", Type.INT, 1, Integer.MAX_VALUE, d -> (long) d.dht().records().maxValueBytes());
        key("records.max_payload_bytes", Type.INT, 0, Integer.MAX_VALUE, d -> (long) d.dht().records().maxPayloadBytes());
        key("records.max_ttl", Type.DURATION, SECOND, 30 * DAY, d -> d.dht().records().maxTtl());
        key("records.max_values", Type.INT, 0, Integer.MAX_VALUE, d -> (long) d.dht().records().maxValues());
        key("records.max_providers_per_key", Type.INT, 1, Integer.MAX_VALUE, d -> (long) d.dht().records().maxProvidersPerKey());
        key("records.max_provider_keys", Type.INT, 0, Integer.MAX_VALUE, d -> (long) d.dht().records().maxProviderKeys());
        key("serve.model", Type.OPT_PATH, 0, 0, d -> "");
        key("serve.blocks", Type.SPAN, 0, 0, d -> "");
        key("serve.block_count", Type.INT, 0, 1 << 20, d -> 0L);
        key("serve.threads", Type.INT, 0, 4096, d -> 0L);
        key("serve.cache_bytes", Type.INT, 1 << 20, NO_MAX - 1, d -> 2L << 30);
        key("serve.session_port", Type.INT, -1, 65535, d -> 0L);
        key("serve.rebalance_interval", Type.DURATION, SECOND, DAY, d -> Duration.ofSeconds(60));
        key("http.listen", Type.OPT_HOST_PORT, 0, 0, d -> "");
        key("http.models", Type.PATHS, 0, 0, d -> List.of());
        key("http.network_models", Type.PATHS, 0, 0, d -> List.of());
        key("client.spot_checks", Type.FRACTION, 0, 0, d -> 0.05);
        key("devnet.member", Type.BOOL, 0, 0, d -> false);
        key("fault.mode", Type.FAULT, 0, 0, d -> Fault.Kind.NONE);
        key("fault.after_steps", Type.INT, 0, Integer.MAX_VALUE, d -> 0L);
        key("ledger.host", Type.BOOL, 0, 0, d -> false);
        key("ledger.address", Type.OPT_ADDRESS, 0, 0, d -> "");
        key("ledger.chain", Type.CHAIN, 0, 0, d -> "mycel-local");
        key("ledger.genesis", Type.HEX32, 0, 0, d -> "");
        key("ledger.faucet", Type.BOOL, 0, 0, d -> false);
        key("ledger.unbonding", Type.DURATION, 0, 365 * DAY, d -> Duration.ofDays(7));
        key("ledger.referees", Type.PEERS, 0, 0, d -> List.of());
        key("ledger.quorum", Type.INT, 0, 1024, d -> 0L);
        key("ledger.injured_share", Type.FRACTION, 0, 0, d -> 0.5);
        key("ledger.treasury", Type.OPT_PEER, 0, 0, d -> "");
        key("ledger.backend", Type.CHAIN, 0, 0, d -> "embedded");
        key("ledger.evm_rpc", Type.OPT_URL, 0, 0, d -> "");
        key("ledger.evm_contract", Type.OPT_EVM_ADDRESS, 0, 0, d -> "");
        KEYS = List.copyOf(SPECS.keySet());
    }

    /** A converted value; {@link #path()} etc. cast it. */
    private record Value(Object v) {
        Path path() {
            return (Path) v;
        }
    }

    private static final class Builder {
        final Map<String, Object> values = new LinkedHashMap<>();
        final Map<String, String> sources = new HashMap<>();

        Builder() {
            Defaults d = new Defaults(DhtConfig.defaults());
            SPECS.forEach((name, spec) -> values.put(name, spec.dflt().apply(d)));
        }

        void file(Path file) {
            String name = file.toString();
            byte[] bytes;
            try {
                if (Files.size(file) > MAX_FILE_BYTES) {
                    throw new NodeException(name + ": a config file of over 1 MiB is not a config file");
                }
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new NodeException(name + ": no such config file");
            } catch (IOException e) {
                throw new NodeException(name + ": cannot read the config file (" + e.getMessage() + ")");
            }
            tree(read(new String(bytes, StandardCharsets.UTF_8), name), name, file.toAbsolutePath().getParent());
        }

        /** Applies every key of a parsed file; tables are sections, anything else is a value. */
        void tree(JsonNode tree, String source, Path baseDir) {
            walk(tree, "", source, baseDir);
        }

        private void walk(JsonNode table, String prefix, String source, Path baseDir) {
            for (Map.Entry<String, JsonNode> e : table.properties()) {
                String key = prefix + e.getKey();
                if (e.getValue().isObject() && !SPECS.containsKey(key) && isSection(key)) {
                    walk(e.getValue(), key + ".", source, baseDir);
                } else {
                    set(new Setting(key, e.getValue(), source), baseDir);
                }
            }
        }

        private static boolean isSection(String name) {
            String p = name + ".";
            return SPECS.keySet().stream().anyMatch(k -> k.startsWith(p));
        }

        void set(Setting s, Path baseDir) {
            values.put(s.key(), convert(s, baseDir).v());
            sources.put(s.key(), s.source());
        }

        Value convert(Setting s, Path baseDir) {
            Key spec = SPECS.get(s.key());
            if (spec == null) {
                throw new NodeException(s.source() + ": unknown key \"" + s.key() + "\"" + hint(s.key()));
            }
            try {
                return new Value(convert(spec, s.value(), baseDir));
            } catch (IllegalArgumentException e) {
                throw new NodeException(prefix(s) + e.getMessage());
            }
        }

        private static String prefix(Setting s) {
            // A dedicated flag names itself; a file or --set also names the key.
            boolean flag = s.source().startsWith("--") && !s.source().startsWith("--set ");
            return flag ? s.source() + ": " : s.source() + ": " + s.key() + ": ";
        }

        private static String hint(String key) {
            int dot = key.lastIndexOf('.');
            if (dot > 0) {
                String section = key.substring(0, dot + 1);
                List<String> inSection = SPECS.keySet().stream().filter(k -> k.startsWith(section))
                        .map(k -> k.substring(section.length())).toList();
                if (!inSection.isEmpty()) {
                    return "; [" + key.substring(0, dot) + "] holds " + String.join(", ", inSection);
                }
            }
            return "; the keys are data_dir, log_level and those of the sections [network], [admin], [dht], [limits],"
                    + " [records], [serve], [http], [client], [devnet], [fault] and [ledger] (see docs/node.example.toml)";
        }

        private static Object convert(Key spec, JsonNode v, Path baseDir) {
            return switch (spec.type()) {
                case PATH -> {
                    String t = text(v, "a path");
                    if (t.isBlank()) {
                        throw new IllegalArgumentException("must be a path, got an empty string");
                    }
                    Path p = t.equals("~") ? Path.of(System.getProperty("user.home"))
                            : t.startsWith("~/") ? Path.of(System.getProperty("user.home"), t.substring(2)) : Path.of(t);
                    yield (baseDir != null ? baseDir.resolve(p) : p.toAbsolutePath()).normalize();
                }
                case OPT_PATH -> {
                    String t = text(v, "a path");
                    yield t.isBlank() ? "" : convert(new Key(spec.name(), Type.PATH, 0, 0, null), v, baseDir);
                }
                case PATHS -> {
                    if (!v.isArray()) {
                        throw new IllegalArgumentException("must be a list of paths, got " + describe(v));
                    }
                    List<Path> out = new ArrayList<>();
                    for (JsonNode e : v) {
                        out.add((Path) convert(new Key(spec.name(), Type.PATH, 0, 0, null), e, baseDir));
                    }
                    yield List.copyOf(out);
                }
                case SPAN -> {
                    String t = text(v, "blocks FIRST-LAST such as \"0-7\"").strip();
                    if (!t.isEmpty() && !t.matches("\\d{1,6}-\\d{1,6}")) {
                        throw new IllegalArgumentException("must be blocks FIRST-LAST such as \"0-7\", got " + v);
                    }
                    if (!t.isEmpty() && Integer.parseInt(t.substring(t.indexOf('-') + 1)) < Integer.parseInt(t.substring(0, t.indexOf('-')))) {
                        throw new IllegalArgumentException("the last block comes before the first: " + v);
                    }
                    yield t;
                }
                case OPT_HOST_PORT -> {
                    String t = text(v, "HOST:PORT").strip();
                    yield t.isEmpty() ? "" : HostPort.parse(t);
                }
                case FRACTION -> {
                    if (!v.isNumber() || v.doubleValue() < 0 || v.doubleValue() > 1) {
                        throw new IllegalArgumentException("must be a number from 0 to 1, got " + describe(v));
                    }
                    yield v.doubleValue();
                }
                case FAULT -> Fault.kind(text(v, "none, perturb, stall or drop").strip().toLowerCase(Locale.ROOT));
                case LEVEL -> {
                    String t = text(v, "a log level").toLowerCase(Locale.ROOT);
                    if (!List.of("error", "warn", "info", "debug", "trace").contains(t)) {
                        throw new IllegalArgumentException("must be error, warn, info, debug or trace, got " + v);
                    }
                    yield t;
                }
                case HOST_PORT -> HostPort.parse(text(v, "HOST:PORT"));
                case CHAIN -> {
                    String t = text(v, "a chain name");
                    if (t.isEmpty() || t.length() > 64 || !t.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                        throw new IllegalArgumentException("must be 1 to 64 printable ASCII characters without spaces, got " + v);
                    }
                    yield t;
                }
                case OPT_URL -> {
                    String t = text(v, "an http:// or https:// URL").strip();
                    if (!t.isEmpty() && !t.matches("https?://[^\\s]+")) {
                        throw new IllegalArgumentException("must be an http:// or https:// URL, got " + v);
                    }
                    yield t;
                }
                case OPT_EVM_ADDRESS -> {
                    String t = text(v, "an EVM address, 0x and 40 hex digits").strip();
                    if (!t.isEmpty() && !t.matches("0x[0-9a-fA-F]{40}")) {
                        throw new IllegalArgumentException("must be an EVM address, 0x and 40 hex digits, got " + v);
                    }
                    yield t;
                }
                case HEX32 -> {
                    String t = text(v, "64 hex digits").strip().toLowerCase(Locale.ROOT);
                    if (!t.isEmpty() && !t.matches("[0-9a-f]{64}")) {
                        throw new IllegalArgumentException("must be 64 hex digits (a SHA-256), got " + v);
                    }
                    yield t;
                }
                case OPT_PEER -> {
                    String t = text(v, "a peer id").strip();
                    yield t.isEmpty() ? "" : PeerId.parse(t);
                }
                case PEERS -> {
                    if (!v.isArray()) {
                        throw new IllegalArgumentException("must be a list of peer ids, got " + describe(v));
                    }
                    List<PeerId> out = new ArrayList<>();
                    for (JsonNode e : v) {
                        out.add(PeerId.parse(text(e, "a list of peer ids")));
                    }
                    yield List.copyOf(out);
                }
                case OPT_ADDRESS -> {
                    String t = text(v, "PEERID@HOST:PORT").strip();
                    if (t.isEmpty()) {
                        yield "";
                    }
                    BootstrapAddress a = BootstrapAddress.parse(t);
                    if (a.peer() == null) {
                        throw new IllegalArgumentException("must name the host's peer id too, PEERID@HOST:PORT, got " + v);
                    }
                    yield a;
                }
                case HOST -> {
                    String t = text(v, "a host name or address").strip();
                    if (t.length() > 255 || t.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
                        throw new IllegalArgumentException("must be a host name or address, got " + v);
                    }
                    yield t;
                }
                case BOOTSTRAP -> {
                    List<BootstrapAddress> out = new ArrayList<>();
                    if (v.isTextual()) {
                        for (String part : v.asText().split(",")) {
                            if (!part.isBlank()) {
                                out.add(BootstrapAddress.parse(part));
                            }
                        }
                    } else if (v.isArray()) {
                        for (JsonNode e : v) {
                            out.add(BootstrapAddress.parse(text(e, "a list of HOST:PORT or PEERID@HOST:PORT strings")));
                        }
                    } else {
                        throw new IllegalArgumentException("must be a list of HOST:PORT or PEERID@HOST:PORT strings, got " + describe(v));
                    }
                    yield List.copyOf(out);
                }
                case BOOL -> {
                    if (!v.isBoolean()) {
                        throw new IllegalArgumentException("must be true or false, got " + describe(v));
                    }
                    yield v.booleanValue();
                }
                case INT -> {
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                        throw new IllegalArgumentException("must be a whole number, got " + describe(v));
                    }
                    long n = v.longValue();
                    if (n < spec.min() || n > spec.max()) {
                        throw new IllegalArgumentException("must be within " + spec.min() + ".."
                                + (spec.max() == Integer.MAX_VALUE ? "2147483647" : spec.max()) + ", got " + n);
                    }
                    yield n;
                }
                case NUMBER -> {
                    if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
                        throw new IllegalArgumentException("must be a positive number, got " + describe(v));
                    }
                    yield v.doubleValue();
                }
                case DURATION -> {
                    Duration d;
                    if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0 && v.longValue() < 1L << 40) {
                        d = Duration.ofSeconds(v.longValue());
                    } else {
                        d = Durations.parse(text(v, "a duration such as \"30s\", \"15m\" or \"2h\""));
                    }
                    // Compared as Durations: toMillis() of a huge one would overflow.
                    if (d.compareTo(Duration.ofMillis(spec.min())) < 0 || d.compareTo(Duration.ofMillis(spec.max())) > 0) {
                        throw new IllegalArgumentException("must be from " + Durations.format(Duration.ofMillis(spec.min()))
                                + " to " + Durations.format(Duration.ofMillis(spec.max())) + ", got " + v);
                    }
                    yield d;
                }
            };
        }

        private static String text(JsonNode v, String what) {
            if (!v.isTextual()) {
                throw new IllegalArgumentException("must be " + what + ", got " + describe(v));
            }
            return v.textValue();
        }

        private static String describe(JsonNode v) {
            if (v.isObject()) {
                return "a table";
            }
            if (v.isArray()) {
                return "a list " + v;
            }
            return v.toString();
        }

        NodeConfig build() {
            long k = (Long) values.get("dht.k");
            long alpha = (Long) values.get("dht.alpha");
            if (alpha > k) {
                throw new NodeException(sourceOf("dht.alpha", "dht.k") + ": dht.alpha (" + alpha + ") must not exceed dht.k (" + k + ")");
            }
            Duration republish = (Duration) values.get("dht.republish_interval");
            Duration ttl = (Duration) values.get("dht.provider_ttl");
            if (republish.compareTo(ttl) >= 0) {
                throw new NodeException(sourceOf("dht.republish_interval", "dht.provider_ttl")
                        + ": dht.republish_interval (" + Durations.format(republish) + ") must be shorter than dht.provider_ttl ("
                        + Durations.format(ttl) + "), or provider records would expire before they are renewed");
            }
            Duration maxTtl = (Duration) values.get("records.max_ttl");
            if (ttl.compareTo(maxTtl) > 0) {
                throw new NodeException(sourceOf("dht.provider_ttl", "records.max_ttl") + ": dht.provider_ttl ("
                        + Durations.format(ttl) + ") must not exceed records.max_ttl (" + Durations.format(maxTtl) + ")");
            }
            NetLimits net = new NetLimits(intValue("limits.max_message_bytes"), (Duration) values.get("limits.rpc_timeout"),
                    (Duration) values.get("limits.handshake_timeout"), (Duration) values.get("limits.keepalive_time"),
                    (Duration) values.get("limits.keepalive_timeout"), (Double) values.get("limits.requests_per_second"),
                    intValue("limits.request_burst"), intValue("limits.max_concurrent_calls"));
            RecordLimits rec = new RecordLimits(intValue("records.max_name_bytes"), intValue("records.max_value_bytes"),
                    intValue("records.max_payload_bytes"), maxTtl, intValue("records.max_values"),
                    intValue("records.max_providers_per_key"), intValue("records.max_provider_keys"));
            String advertise = (String) values.get("network.advertise_host");
            ContactLimits contacts = contacts();
            @SuppressWarnings("unchecked")
            List<BootstrapAddress> bootstrap = (List<BootstrapAddress>) values.get("network.bootstrap");
            checkFault();
            return new NodeConfig((Path) values.get("data_dir"), (String) values.get("log_level"),
                    (HostPort) values.get("network.listen"), advertise.isBlank() ? null : advertise, bootstrap,
                    (HostPort) values.get("admin.listen"), (Boolean) values.get("admin.allow_remote"),
                    (int) k, (int) alpha, (Duration) values.get("dht.refresh_interval"), republish, ttl, net, rec, contacts, inference(),
                    ledger());
        }

        /** The contact limits; whether loopback is capped too stays mycel-net's default (devnets run on 127.0.0.1). */
        private ContactLimits contacts() {
            int perIp = intValue("dht.contacts_per_ip");
            int perSubnet = intValue("dht.contacts_per_subnet");
            if (perSubnet < perIp) {
                throw new NodeException(sourceOf("dht.contacts_per_ip", "dht.contacts_per_subnet") + ": dht.contacts_per_subnet ("
                        + perSubnet + ") must not be below dht.contacts_per_ip (" + perIp + "): an address lies in its subnet");
            }
            ContactLimits d = DhtConfig.defaults().contacts();
            return d.withCaps(perIp, perSubnet, d.capLoopback()).withChecks((Duration) values.get("dht.contact_check_timeout"),
                    intValue("dht.max_pending_contact_checks"), (Duration) values.get("dht.contact_proven_for"),
                    (Duration) values.get("dht.contact_retry_after"));
        }

        @SuppressWarnings("unchecked")
        private Ledger ledger() {
            Object address = values.get("ledger.address");
            boolean host = (Boolean) values.get("ledger.host");
            if (host && address instanceof BootstrapAddress) {
                throw new NodeException(sourceOf("ledger.host", "ledger.address") + ": a node either hosts the ledger"
                        + " (ledger.host = true) or reaches it at ledger.address, not both");
            }
            List<PeerId> referees = (List<PeerId>) values.get("ledger.referees");
            int quorum = intValue("ledger.quorum");
            if (referees.isEmpty() != (quorum == 0) || quorum > referees.size()) {
                throw new NodeException(sourceOf("ledger.referees", "ledger.quorum") + ": ledger.quorum must be between 1 and the "
                        + referees.size() + " ledger.referees (0 without referees), not " + quorum);
            }
            Object treasury = values.get("ledger.treasury");
            String backend = (String) values.get("ledger.backend");
            String rpc = (String) values.get("ledger.evm_rpc");
            String contract = (String) values.get("ledger.evm_contract");
            if (!backend.equals("embedded") && !backend.equals("evm")) {
                throw new NodeException(sourceOf("ledger.backend", "ledger.backend") + ": ledger.backend must be \"embedded\" or"
                        + " \"evm\", not \"" + backend + "\"");
            }
            if (backend.equals("evm") && (rpc.isEmpty() || host)) {
                throw new NodeException(sourceOf("ledger.backend", "ledger.evm_rpc") + ": ledger.backend = \"evm\" needs"
                        + " ledger.evm_rpc (the chain's JSON-RPC URL) and no ledger.host (the chain is the host)");
            }
            return new Ledger(host, address instanceof BootstrapAddress a ? a : null, (String) values.get("ledger.chain"),
                    (String) values.get("ledger.genesis"), (Boolean) values.get("ledger.faucet"),
                    (Duration) values.get("ledger.unbonding"), referees, quorum, (Double) values.get("ledger.injured_share"),
                    treasury instanceof PeerId p ? p : null, backend, rpc, contract);
        }

        @SuppressWarnings("unchecked")
        private Inference inference() {
            Object model = values.get("serve.model");
            String span = (String) values.get("serve.blocks");
            int first = -1;
            int end = -1;
            if (!span.isEmpty()) {
                first = Integer.parseInt(span.substring(0, span.indexOf('-')));
                end = Integer.parseInt(span.substring(span.indexOf('-') + 1)) + 1;
            }
            Object http = values.get("http.listen");
            return new Inference(model instanceof Path p ? p : null, first, end, intValue("serve.block_count"),
                    intValue("serve.threads"), (Long) values.get("serve.cache_bytes"), intValue("serve.session_port"),
                    (Duration) values.get("serve.rebalance_interval"), http instanceof HostPort h ? h : null,
                    (List<Path>) values.get("http.models"), (List<Path>) values.get("http.network_models"),
                    (Double) values.get("client.spot_checks"),
                    new Fault((Fault.Kind) values.get("fault.mode"), (Long) values.get("fault.after_steps")));
        }

        /**
         * A node plays faults only as a member of a devnet that listens on a loopback address:
         * a dishonest server must never be one slip of a config file away from a real network.
         */
        private void checkFault() {
            Fault.Kind mode = (Fault.Kind) values.get("fault.mode");
            if (mode == Fault.Kind.NONE) {
                return;
            }
            HostPort listen = (HostPort) values.get("network.listen");
            String advertise = (String) values.get("network.advertise_host");
            String where = sources.getOrDefault("fault.mode", "the defaults") + ": fault.mode = \"" + mode.word() + "\": ";
            if (!(Boolean) values.get("devnet.member")) {
                throw new NodeException(where + "fault injection is for devnets only; start the node with mycel devnet"
                        + " --fault, or set devnet.member = true on a node of a local test network");
            }
            if (!isLoopback(listen.host()) || !(advertise.isBlank() || isLoopback(advertise))) {
                throw new NodeException(where + "fault injection needs a node that only this machine reaches, but it listens on "
                        + listen + (advertise.isBlank() ? "" : " and advertises " + advertise)
                        + "; use a loopback address such as 127.0.0.1");
            }
        }

        private static boolean isLoopback(String host) {
            return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
        }

        private int intValue(String key) {
            return Math.toIntExact((Long) values.get(key));
        }

        /** Where the later-set of two keys came from: that is where a clash between them was made. */
        private String sourceOf(String a, String b) {
            String sa = sources.get(a);
            String sb = sources.get(b);
            if (sa != null && sb != null && sa.startsWith("--")) {
                return sa;
            }
            if (sb != null && sb.startsWith("--")) {
                return sb;
            }
            return sa != null ? sa : sb != null ? sb : "the defaults";
        }
    }
}
