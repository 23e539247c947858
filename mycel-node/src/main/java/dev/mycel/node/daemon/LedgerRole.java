package dev.mycel.node.daemon;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.remote.LedgerGrpcService;
import dev.mycel.net.identity.NodeIdentity;
import io.grpc.BindableService;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * The node's part in the ledger: when the config says it hosts the embedded ledger, it opens
 * the file (replaying its chain) before the node listens, and serves it to the other nodes.
 */
final class LedgerRole implements AutoCloseable {
    /** The most a devnet faucet gives a call. */
    static final long FAUCET_CAP = 1_000_000_000L;
    private final EmbeddedLedger ledger;
    private final List<BindableService> services;

    private LedgerRole(EmbeddedLedger ledger, List<BindableService> services) {
        this.ledger = ledger;
        this.services = services;
    }

    static LedgerRole prepare(NodeConfig.Ledger config, NodeIdentity identity, Path dataDir, Logger log) {
        if (!config.host()) {
            return new LedgerRole(null, List.of());
        }
        LedgerRules rules = config.rules(identity.peerId());
        EmbeddedLedger ledger;
        try {
            ledger = EmbeddedLedger.open(DataDir.ledgerFile(dataDir), rules, System::currentTimeMillis);
        } catch (LedgerException e) {
            throw new NodeException("cannot host the ledger: " + e.getMessage(), e);
        }
        log.info("hosting ledger " + rules.chain() + " (genesis " + rules.genesis() + ", " + ledger.head().seq()
                + " transactions" + (config.faucet() ? ", with a faucet" : "") + ")");
        return new LedgerRole(ledger, List.of(new LedgerGrpcService(ledger, identity, FAUCET_CAP)));
    }

    List<BindableService> services() {
        return services;
    }

    @Override
    public void close() {
        if (ledger != null) {
            ledger.close();
        }
    }
}
