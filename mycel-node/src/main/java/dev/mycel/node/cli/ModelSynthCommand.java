package dev.mycel.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "synth", mixinStandardHelpOptions = true)
final class ModelSynthCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
