package dev.mycel.node.cli;

import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.node.daemon.NodeConfig.Setting;
import dev.mycel.node.daemon.NodeDaemon;
import dev.mycel.node.daemon.NodeLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel node start}: the daemon, in the foreground. */
@Command(name = "start", header = "Run a node until it is stopped (Ctrl-C, SIGTERM or mycel node stop).",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a node: join the network through the bootstrap peers, serve the DHT, and answer the local "
                + "admin API that mycel node status, mycel peers and mycel dht use. It logs one line per event "
                + "on stderr and stops cleanly on Ctrl-C or SIGTERM.",
            "",
            "Settings come from the defaults, then the config file (--config, else config.toml in the data "
                + "folder if there is one; every key is documented in docs/node.example.toml), then these "
                + "flags. --set KEY=VALUE sets any key of the file, e.g. --set dht.k=8.",
            "",
            "Examples:",
            "  mycel node start --listen 0.0.0.0:7600",
            "  mycel node start --data ~/.mycel-b \\",
            "      --listen 127.0.0.1:7601 --bootstrap 127.0.0.1:7600"
        })
final class NodeStartCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (TOML).")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: $MYCEL_HOME, else ~/.mycel).")
    Path data;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where to listen for peers (default: " + "0.0.0.0:7600" + "; port 0 = any free port).")
    String listen;

    @Option(names = "--advertise-host", paramLabel = "HOST",
            description = "The host name or address peers should dial, when it is not the listen host.")
    String advertiseHost;

    @Option(names = "--bootstrap", paramLabel = "ADDR[,ADDR...]",
            description = "Peers to join through: HOST:PORT or PEERID@HOST:PORT, comma-separated or repeated.")
    List<String> bootstrap;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
            description = "Where the admin API listens (default: 127.0.0.1:0, any free port on loopback).")
    String adminListen;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info (default), debug or trace.")
    String logLevel;

    @Option(names = "--serve", paramLabel = "MODEL[:FIRST-LAST]",
            description = "Serve blocks FIRST to LAST of this model file to the network; without a span the node "
                    + "picks the blocks the network covers least (see --serve-blocks) and moves when that changes.")
    String serve;

    @Option(names = "--serve-blocks", paramLabel = "N",
            description = "With --serve and no span: how many blocks to hold (default: all).")
    Integer serveBlocks;

    @Option(names = "--http", paramLabel = "HOST:PORT",
            description = "Serve the OpenAI-compatible API here (/v1/models, /v1/completions, /v1/chat/completions).")
    String http;

    @Option(names = "--http-model", paramLabel = "FILE",
            description = "A model the HTTP API runs whole in this process (repeatable).")
    List<String> httpModels = new ArrayList<>();

    @Option(names = "--http-network-model", paramLabel = "FILE",
            description = "A model the HTTP API runs through block servers in the network (repeatable).")
    List<String> networkModels = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set any config key (repeatable), e.g. --set dht.k=8.")
    List<String> set = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        NodeConfig cfg = NodeConfig.load(config, settings());
        Logger log = NodeLog.configure(cfg.julLevel());
        NodeDaemon node = NodeDaemon.start(cfg, log);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "node-shutdown"));
        node.awaitStop();
        return 0;
    }

    private static Setting paths(String key, List<String> files, String flag) {
        com.fasterxml.jackson.databind.node.ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        files.forEach(f -> a.add(Path.of(f).toAbsolutePath().toString()));
        return new Setting(key, a, flag);
    }

    /** The flags as config settings, in the order they override each other (--set last). */
    List<Setting> settings() {
        List<Setting> s = new ArrayList<>();
        if (data != null) {
            s.add(Setting.flag("data_dir", data.toString(), "--data"));
        }
        if (listen != null) {
            s.add(Setting.flag("network.listen", listen, "--listen"));
        }
        if (serve != null) {
            // MODEL or MODEL:FIRST-LAST (a colon followed by a span; paths may hold colons too).
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*):(\\d+-\\d+)$").matcher(serve);
            String file = m.matches() ? m.group(1) : serve;
            s.add(Setting.flag("serve.model", Path.of(file).toAbsolutePath().toString(), "--serve"));
            s.add(Setting.flag("serve.blocks", m.matches() ? m.group(2) : "", "--serve"));
        }
        if (serveBlocks != null) {
            s.add(new Setting("serve.block_count", com.fasterxml.jackson.databind.node.IntNode.valueOf(serveBlocks),
                    "--serve-blocks"));
        }
        if (http != null) {
            s.add(Setting.flag("http.listen", http, "--http"));
        }
        if (!httpModels.isEmpty()) {
            s.add(paths("http.models", httpModels, "--http-model"));
        }
        if (!networkModels.isEmpty()) {
            s.add(paths("http.network_models", networkModels, "--http-network-model"));
        }
        if (advertiseHost != null) {
            s.add(Setting.flag("network.advertise_host", advertiseHost, "--advertise-host"));
        }
        if (bootstrap != null) {
            s.add(Setting.flag("network.bootstrap", bootstrap, "--bootstrap"));
        }
        if (adminListen != null) {
            s.add(Setting.flag("admin.listen", adminListen, "--admin-listen"));
        }
        if (logLevel != null) {
            s.add(Setting.flag("log_level", logLevel, "--log-level"));
        }
        for (String a : set) {
            s.add(Setting.assignment(a));
        }
        return s;
    }
}
