package dev.mycel.node.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which ledger a wallet, channel or ledger command uses, and with whose key. */
final class LedgerOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "The node's data folder: its key signs (default: $MYCEL_HOME, else ~/.mycel).")
    Path data;

    @Option(names = "--config", paramLabel = "FILE", description = "The node's config file (default: DIR/config.toml if present).")
    Path config;

    @Option(names = "--ledger", paramLabel = "PEERID@HOST:PORT",
            description = {"The node hosting the ledger (default: the config's ledger.address; the node's own when it",
                "hosts the ledger and runs; else the embedded ledger in DIR/ledger)."})
    String ledger;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    LedgerAccess open() {
        return LedgerAccess.open(data, config, ledger);
    }
}
