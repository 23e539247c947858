package dev.mycel.ledger.pay;

import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.wallet.EmbeddedWallet;
import dev.mycel.ledger.wallet.Wallet;
import dev.mycel.net.identity.NodeIdentity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;

/** Paying per token on the embedded ledger (an injected clock). */
class EmbeddedPayPerTokenTest extends PayPerTokenContract {
    private static final NodeIdentity MINT = id(1);
    private final AtomicLong clock = new AtomicLong(1_750_000_000_000L);
    private EmbeddedLedger ledger;

    @Override
    protected Wallet[] wallets() throws Exception {
        ledger = EmbeddedLedger.open(dir.resolve("ledger.db"), new LedgerRules("mycel-pay", MINT.peerId(), 60_000, List.of(), 0, 0,
                null), clock::get);
        ledger.submit(SignedTransaction.sign("mycel-pay", MINT, 0, new Operation.Mint(CLIENT.peerId(), 100_000))).get();
        return new Wallet[] {new EmbeddedWallet(ledger, CLIENT, clock::get, false), new EmbeddedWallet(ledger, SERVER, clock::get, false)};
    }

    @Override
    protected void advance(Duration d) {
        clock.addAndGet(d.toMillis());
    }

    @AfterEach
    void close() {
        ledger.close();
    }
}
