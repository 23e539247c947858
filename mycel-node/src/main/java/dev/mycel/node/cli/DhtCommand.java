package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel dht}: read and write the DHT through the running node. */
@Command(name = "dht", header = "Put, get and find providers in the DHT through the running node.",
        mixinStandardHelpOptions = true,
        description = {
            "Read and write the network's DHT through the node running on the data folder.",
            "",
            "Values are signed and live in their publisher's namespace: a node puts values under its own "
                + "peer id, and anyone reads them as PEERID/NAME (NAME alone means the local node's own). "
                + "Provider records say which peers offer something: their KEY is 64 hex digits, or any "
                + "text, which stands for its SHA-256."
        },
        subcommands = {DhtPutCommand.class, DhtGetCommand.class, DhtProvidersCommand.class, DhtProvideCommand.class,
            CommandLine.HelpCommand.class})
final class DhtCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
