package dev.mycel.node.cli;

import dev.mycel.model.ModelFormatException;
import dev.mycel.node.daemon.NodeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mycel} command line. */
@Command(
        name = "mycel",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Mycel: a peer-to-peer network that serves, trains and trades AI models.",
            "",
            "Run a model on this machine:",
            "  mycel generate --prompt \"Once upon a time\"",
            "  mycel chat --model MODEL.gguf",
            "",
            "Run a node, or a local network of them:",
            "  mycel node start --bootstrap HOST:PORT",
            "  mycel devnet --nodes 5",
            "",
            "Spread a model over several nodes, and use it from anywhere:",
            "  mycel node start --serve MODEL.gguf:0-7 --bootstrap HOST:PORT",
            "  mycel generate --network --bootstrap HOST:PORT --model MODEL.gguf",
            "  mycel node start --http 127.0.0.1:8080 --http-network-model MODEL.gguf   (OpenAI-compatible API)",
            "",
            "Train, and account for privacy:",
            "  mycel train local --data mnist --model cnn --epochs 10",
            "  mycel privacy epsilon --q 0.04 --sigma 1.5 --steps 2250 --delta 1e-5",
            "  mycel fl simulate --clients 100 --fraction 0.1 --rounds 50 --strategy fedavg --partition shards:2",
            "",
            "Pay and get paid (the ledger one node hosts, or this node's own):",
            "  mycel wallet balance",
            "  mycel wallet transfer --to PEERID --amount 25",
            "  mycel channel open --to PEERID --deposit 300",
            "  mycel ledger verify",
            ""
        },
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            TokenizeCommand.class,
            ModelCommand.class,
            TrainCommand.class,
            PrivacyCommand.class,
            FlCommand.class,
            BenchCommand.class,
            NodeCommand.class,
            PeersCommand.class,
            DhtCommand.class,
            DevnetCommand.class,
            WalletCommand.class,
            ChannelCommand.class,
            LedgerCommand.class,
            FaucetCommand.class,
            StartupTrainingCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        CommandLine.IParameterExceptionHandler picocli = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, args) -> UnknownCommands.handle(e, args, picocli));
        cl.setExecutionStrategy(UnknownCommands::execute);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        return report(e, cl.getErr(), System.getenv("MYCEL_DEBUG") != null);
    }

    /**
     * Turns the errors a user can cause (bad files, bad parameters) into one line on stderr, and
     * anything else (a bug) into one line that says so; the stack trace follows only with
     * {@code debug} (MYCEL_DEBUG set), which is what the line tells the user to set for details.
     */
    static int report(Exception e, PrintWriter err, boolean debug) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        boolean userError = t instanceof ModelFormatException || t instanceof UserException || t instanceof NodeException
                || t instanceof IllegalArgumentException || t instanceof IOException;
        err.println(userError ? "mycel: error: " + oneLine(t)
                : "mycel: internal error: " + oneLine(t) + (debug ? "" : " (set MYCEL_DEBUG=1 for details)"));
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        if (!userError) {
            return 1;
        }
        return t instanceof IllegalArgumentException || t instanceof UserException u && u.usage() ? 2 : 1;
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        if (t instanceof java.nio.file.NoSuchFileException) {
            m = m + ": no such file";
        }
        return m.replace('\n', ' ');
    }

    /** Version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mycel " + (v != null ? v : "0.1.0-SNAPSHOT") + " (Java "
                    + Runtime.version() + ", " + System.getProperty("os.arch") + ")"};
        }
    }
}
