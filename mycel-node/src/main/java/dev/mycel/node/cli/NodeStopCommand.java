package dev.mycel.node.cli;

import dev.mycel.node.daemon.DataDir;
import dev.mycel.node.daemon.NodeInfo;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel node stop}: SIGTERM to the node on a data folder, and wait until it is gone. */
@Command(name = "stop", header = "Stop the node running on the data folder.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Ask the node running on the data folder to stop (as Ctrl-C would) and wait until it has.")
final class NodeStopCommand implements Callable<Integer> {
    @Mixin
    DataDirOption node;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for it to stop (default: ${DEFAULT-VALUE}).")
    int timeout;

    @Override
    public Integer call() throws Exception {
        Path dir = node.dir();
        Optional<NodeInfo> info = NodeInfo.read(dir);
        Optional<ProcessHandle> process = info.flatMap(i -> ProcessHandle.of(i.pid())).filter(ProcessHandle::isAlive);
        // The lock, not the pid alone, proves a node runs: a stale node.json's pid may belong to another program now.
        if (process.isEmpty() || !DataDir.inUse(dir)) {
            throw new UserException("no node is running on " + dir);
        }
        ProcessHandle p = process.get();
        p.destroy();
        try {
            p.onExit().get(timeout, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new UserException("the node (pid " + p.pid() + ") did not stop within " + timeout + " s; end it with: kill -9 "
                    + p.pid());
        }
        new PrintStream(System.out, true, StandardCharsets.UTF_8).printf("stopped node %s (pid %d)%n",
                info.get().peerId(), p.pid());
        return 0;
    }
}
