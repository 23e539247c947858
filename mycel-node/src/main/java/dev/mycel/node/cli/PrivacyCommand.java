package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel privacy}: differential privacy budgets. */
@Command(name = "privacy", header = "Work out differential privacy budgets.", mixinStandardHelpOptions = true,
        description = {
            "Work out the privacy (epsilon for a delta) that training with the sampled Gaussian mechanism spends: DP-SGD steps, or DP-FedAvg rounds."
        },
        subcommands = {PrivacyEpsilonCommand.class, CommandLine.HelpCommand.class})
final class PrivacyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
