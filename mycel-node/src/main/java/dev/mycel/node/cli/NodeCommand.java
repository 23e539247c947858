package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel node}: run a node and look at it. */
@Command(name = "node", header = "Run a node of the network and look at the one running.", mixinStandardHelpOptions = true,
        description = {
            "Run a node of the Mycel network, see how it is doing, stop it.",
            "",
            "A node keeps its identity key, routing table and admin token in its data folder "
                + "(--data, default $MYCEL_HOME or ~/.mycel); commands find the node running there."
        },
        subcommands = {NodeStartCommand.class, NodeStatusCommand.class, NodeStopCommand.class, CommandLine.HelpCommand.class})
final class NodeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
