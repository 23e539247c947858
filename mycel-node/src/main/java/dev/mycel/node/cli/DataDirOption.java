package dev.mycel.node.cli;

import dev.mycel.node.daemon.AdminClient;
import dev.mycel.node.daemon.NodeConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data DIR}: which node a command talks to, by its data folder. */
final class DataDirOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "The node's data folder (default: $MYCEL_HOME, else ~/.mycel).")
    Path data;

    Path dir() {
        return (data != null ? data.toAbsolutePath() : NodeConfig.defaultDataDir()).normalize();
    }

    /** The admin API of the node running there, or a one-line error saying how to start one. */
    AdminClient client() {
        return AdminClient.forDataDir(dir());
    }
}
