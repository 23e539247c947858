package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.inference.server.Fault;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.node.devnet.Devnet;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel devnet}: a local network of node processes. */
@Command(name = "devnet", header = "Run a local network of N nodes on this machine.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Start N node processes on 127.0.0.1, node i listening on port P + i with its data in "
                + "DIR/node-i (its log in DIR/node-i/node.log), all joining through node 0. Waits until every "
                + "routing table holds all the other nodes (k at most), prints each node's peer id and "
                + "addresses, then runs until Ctrl-C or mycel devnet stop, and stops every node.",
            "",
            "Use a node with the usual commands and its data folder, e.g.:",
            "  mycel node status --data DIR/node-2",
            "",
            "Without --config, the nodes use DIR/devnet.toml (written on first use), whose short refresh "
                + "interval lets the network settle in seconds."
        },
        subcommands = {DevnetStopCommand.class, CommandLine.HelpCommand.class})
final class DevnetCommand implements Callable<Integer> {
    @Option(names = {"-n", "--nodes"}, paramLabel = "N", defaultValue = "3", description = "How many nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--base-port", paramLabel = "P", defaultValue = "7700",
            description = "Node i listens on 127.0.0.1:P+i (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the nodes' data folders go (default: devnet in $MYCEL_HOME or ~/.mycel).")
    Path dir;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file for every node (default: DIR/devnet.toml).")
    Path config;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "90",
            description = "How long to wait for the routing tables to fill (default: ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--serve", paramLabel = "MODEL[:FIRST-LAST]",
            description = "Every node serves blocks of this model, as node start --serve does (without a span each "
                    + "node picks the blocks the network covers least).")
    String serve;

    @Option(names = "--fault", paramLabel = "NODE=MODE[@STEPS]",
            description = "Node NODE's block server misbehaves on purpose (repeatable; needs --serve): MODE is perturb "
                    + "(every output slightly off: spot checks catch it), stall (never answers: the client's step timeout "
                    + "moves it on) or drop (ends every session); after STEPS honest steps (default 0). For watching "
                    + "checks and fail-over work; refused outside a devnet.")
    List<String> faults = new ArrayList<>();

    @Option(names = "--json", description = "When the network is up, print one JSON object describing it instead of a table.")
    boolean json;

    /** {@code NODE=MODE[@STEPS]} of every --fault. */
    static Map<Integer, Fault> parseFaults(List<String> specs) {
        Map<Integer, Fault> out = new TreeMap<>();
        for (String spec : specs) {
            Matcher m = Pattern.compile("(\\d{1,3})=([a-z]+)(?:@(\\d{1,9}))?").matcher(spec.strip());
            if (!m.matches()) {
                throw new UserException("--fault " + spec + ": write it as NODE=MODE[@STEPS], for example --fault 2=perturb"
                        + " or --fault 1=stall@20", true);
            }
            Fault.Kind kind;
            try {
                kind = Fault.kind(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new UserException("--fault " + spec + ": the mode " + e.getMessage(), true);
            }
            if (kind == Fault.Kind.NONE) {
                continue;
            }
            int node = Integer.parseInt(m.group(1));
            if (out.put(node, new Fault(kind, m.group(3) == null ? 0 : Long.parseLong(m.group(3)))) != null) {
                throw new UserException("--fault: node " + node + " is given two faults", true);
            }
        }
        return out;
    }

    static Path defaultDir() {
        return NodeConfig.defaultDataDir().resolve("devnet");
    }

    @Override
    public Integer call() throws Exception {
        Devnet devnet = new Devnet(new Devnet.Options(nodes, basePort, dir != null ? dir : defaultDir(), config,
                Main.class.getName(), serve, parseFaults(faults)));
        // Registered before the first node starts, so Ctrl-C at any moment leaves no node behind.
        Thread hook = new Thread(devnet::close, "devnet-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Duration wait = Duration.ofSeconds(timeout);
        try {
            System.err.printf("devnet: starting %d node%s in %s ...%n", nodes, nodes == 1 ? "" : "s", devnet.options().dir());
            devnet.launch(wait);
            try (ProgressBar bar = new ProgressBar("filling routing tables", Math.max(1, devnet.target() * nodes), false)) {
                devnet.awaitFilled(wait, (done, total) -> bar.update(done));
            }
        } catch (Exception | Error e) {
            if (devnet.closed()) {
                return 130; // Ctrl-C while starting: the shutdown hook is stopping the nodes; nothing went wrong
            }
            devnet.close();
            throw e;
        }
        print(devnet, out);
        devnet.awaitExit((m, code) -> System.err.printf("devnet: node %d (pid %d) exited with code %d; see %s%n",
                m.index(), m.pid(), code, m.dataDir().resolve("node.log")));
        return 0;
    }

    private static String faultOf(Devnet devnet, int node) {
        Fault f = devnet.options().faults().get(node);
        return f == null ? "none" : f.kind().word() + "@" + f.afterSteps();
    }

    private void print(Devnet devnet, PrintStream out) {
        Path d = devnet.options().dir();
        if (json) {
            ObjectNode o = Json.object();
            o.put("dir", d.toString());
            o.put("pid", ProcessHandle.current().pid());
            ArrayNode a = o.putArray("nodes");
            for (Devnet.Member m : devnet.members()) {
                a.addObject().put("index", m.index()).put("peer_id", m.peerId()).put("listen", m.listen().toString())
                        .put("admin", m.admin()).put("data_dir", m.dataDir().toString()).put("pid", m.pid())
                        .put("peers", m.peers()).put("fault", faultOf(devnet, m.index()));
            }
            out.println(Json.write(o));
            return;
        }
        int width = 7;
        for (Devnet.Member m : devnet.members()) {
            width = Math.max(width, m.peerId().length());
        }
        out.printf("devnet: %d node%s up, every routing table holds %d peer%s%n", nodes, nodes == 1 ? "" : "s",
                devnet.target(), devnet.target() == 1 ? "" : "s");
        out.printf("%3s  %-" + width + "s  %-16s  %-16s  %s%n", "#", "PEER ID", "LISTEN", "ADMIN", "PID");
        for (Devnet.Member m : devnet.members()) {
            out.printf("%3d  %-" + width + "s  %-16s  %-16s  %d%n", m.index(), m.peerId(), m.listen(), m.admin(), m.pid());
        }
        devnet.options().faults().forEach((i, f) -> out.printf("fault:       node %d will %s after %d honest steps%n", i,
                f.kind().word(), f.afterSteps()));
        out.printf("use a node:  mycel node status --data %s%n", d.resolve("node-0"));
        out.printf("logs:        %s%n", d.resolve("node-N").resolve("node.log"));
        out.printf("stop:        Ctrl-C, or mycel devnet stop --dir %s%n", d);
    }
}
