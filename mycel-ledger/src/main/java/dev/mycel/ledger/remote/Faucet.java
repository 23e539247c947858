package dev.mycel.ledger.remote;

import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.wallet.EmbeddedWallet;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;

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
            return new EmbeddedWallet(ledger, authority, System::currentTimeMillis, false).send(new Operation.Mint(to, amount));
        }
    }
}
