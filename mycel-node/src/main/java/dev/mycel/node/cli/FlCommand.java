package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel fl}: federated learning. */
@Command(name = "fl", header = "Federated learning: train on data that never leaves its owners.", mixinStandardHelpOptions = true,
        description = {
            "Federated learning: a coordinator sends the global model to clients, each trains on its own data, and the coordinator aggregates their signed updates through a strategy, publishing a signed round record that any participant can recompute bit for bit."
        },
        subcommands = {FlSimulateCommand.class, FlServeCommand.class, FlJoinCommand.class, FlChartCommand.class, CommandLine.HelpCommand.class})
final class FlCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
