package dev.mycel.node.cli;

import dev.mycel.node.devnet.Devnet;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel devnet stop}: end a devnet started elsewhere. */
@Command(name = "stop", header = "Stop the devnet running in a folder.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Stop the devnet whose processes DIR/devnet.json records: SIGTERM to the devnet and each node, "
                + "then SIGKILL to any still running after the grace period."
        })
final class DevnetStopCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "The devnet's folder (default: devnet in $MYCEL_HOME or ~/.mycel).")
    Path dir;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long nodes get to stop cleanly before they are killed (default: ${DEFAULT-VALUE}).")
    int grace;

    @Override
    public Integer call() throws Exception {
        Path d = dir != null ? dir : DevnetCommand.defaultDir();
        Devnet.Stopped s = Devnet.stop(d, Duration.ofSeconds(grace));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (s.wasRunning()) {
            out.printf("stopped the devnet in %s (%d node%s)%n", d.toAbsolutePath().normalize(), s.nodes(), s.nodes() == 1 ? "" : "s");
        } else {
            out.printf("the devnet in %s had already stopped%n", d.toAbsolutePath().normalize());
        }
        return 0;
    }
}
