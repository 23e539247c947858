package dev.mycel.ledger.wallet;

import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.identity.NodeIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The wallet contract on the embedded ledger (a SQLite file, an injected clock). */
class EmbeddedWalletTest extends WalletContract {
    private static final NodeIdentity MINT = node(100);
    private static final List<NodeIdentity> REFEREES = List.of(node(101), node(102), node(103));

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private EmbeddedLedger ledger;
    private long mintNonce;

    @BeforeEach
    void open() throws Exception {
        LedgerRules rules = new LedgerRules("mycel-wallet-test", MINT.peerId(), Duration.ofHours(1).toMillis(),
                REFEREES.stream().map(NodeIdentity::peerId).toList(), 2, 5_000, null);
        ledger = EmbeddedLedger.open(dir.resolve("ledger.db"), rules, clock::get);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    @Override
    protected Wallet wallet(NodeIdentity node) {
        EmbeddedWallet w = new EmbeddedWallet(ledger, node, clock::get, false);
        w.register();
        return w;
    }

    @Override
    protected void fund(NodeIdentity node, long units) throws Exception {
        ledger.submit(SignedTransaction.sign("mycel-wallet-test", MINT, mintNonce++, new Operation.Mint(node.peerId(), units))).get();
    }

    @Override
    protected void advance(Duration d) {
        clock.addAndGet(d.toMillis());
    }

    @Override
    protected List<NodeIdentity> referees() {
        return REFEREES;
    }

    @Override
    protected boolean paysGas() {
        return false;
    }
}
