package dev.mycel.ledger.remote;

import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.util.concurrent.ExecutionException;

/**
 * Mints as the ledger's mint authority (a devnet's faucet), one mint at a time per process so
 * that concurrent requests do not take the same nonce; a nonce taken meanwhile by another
 * transaction of the same key (the host's own wallet) is retried with the next one.
 */
public final class Faucet {
    private static final Object LOCK = new Object();

    private Faucet() {
    }

    public static Receipt mint(Ledger ledger, NodeIdentity authority, PeerId to, long amount) throws LedgerException {
        synchronized (LOCK) {
            for (int attempt = 0; ; attempt++) {
                long nonce = ledger.account(authority.peerId()).nonce();
                try {
                    return ledger.submit(SignedTransaction.sign(ledger.rules().chain(), authority, nonce,
                            new Operation.Mint(to, amount))).get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof LedgerException le) {
                        if (le.reason() == Reason.BAD_NONCE && attempt < 3) {
                            continue;
                        }
                        throw le;
                    }
                    throw new LedgerException(Reason.UNAVAILABLE, "the mint failed: " + e.getCause(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LedgerException(Reason.UNAVAILABLE, "interrupted while minting", e);
                }
            }
        }
    }
}
