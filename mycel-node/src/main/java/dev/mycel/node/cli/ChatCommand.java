package dev.mycel.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder replaced below. */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model.")
final class ChatCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
