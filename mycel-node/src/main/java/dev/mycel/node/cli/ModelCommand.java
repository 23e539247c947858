package dev.mycel.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "model", mixinStandardHelpOptions = true)
final class ModelCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
