package dev.mycel.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mycel train}: train models with the same bits on every machine. */
@Command(name = "train", header = "Train models, bit for bit the same on every machine.", mixinStandardHelpOptions = true,
        description = {
            "Train models with Mycel's bit-exact training engine: the same seed gives the same",
            "weights (and the same model_sha256) on any number of threads and any CPU."
        },
        subcommands = {TrainLocalCommand.class, CommandLine.HelpCommand.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
