package dev.mycel.ledger.pay;

import dev.mycel.ledger.evm.Anvil;
import dev.mycel.ledger.evm.EvmLedger;
import dev.mycel.ledger.evm.EvmUnits;
import dev.mycel.ledger.wallet.EvmWallet;
import dev.mycel.ledger.wallet.Wallet;
import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;

/**
 * Paying per token on the EVM backend: a fresh contract on anvil for each test (free gas, so
 * the client's and the server's balances move by exactly the ledger's amounts).
 */
class EvmPayPerTokenTest extends PayPerTokenContract {
    private Anvil chain;

    private static Credentials key(NodeIdentity node) {
        return Credentials.create(ECKeyPair.create(new BigInteger(1, Hash.sha3(node.peerId().rawKey()))));
    }

    @Override
    protected Wallet[] wallets() throws Exception {
        chain = Anvil.start(true);
        Credentials owner = key(id(1));
        chain.setBalance(owner.getAddress(), BigInteger.TEN.pow(18));
        EvmLedger contract = EvmLedger.deploy(chain.web3(), owner, Anvil.CHAIN_ID, 60, List.of(), 0, 0, null);
        chain.setBalance(key(CLIENT).getAddress(), EvmUnits.wei(100_000));
        EvmWallet c = EvmWallet.open(contract.as(key(CLIENT)), CLIENT);
        EvmWallet s = EvmWallet.open(contract.as(key(SERVER)), SERVER);
        c.register();
        s.register();
        return new Wallet[] {c, s};
    }

    @Override
    protected void advance(Duration d) throws Exception {
        chain.advance(d.toSeconds());
    }

    @AfterEach
    void close() {
        chain.close();
    }
}
