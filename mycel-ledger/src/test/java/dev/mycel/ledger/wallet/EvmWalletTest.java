package dev.mycel.ledger.wallet;

import dev.mycel.ledger.evm.EvmLedger;
import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;

/**
 * The wallet contract on the EVM backend: the contract on anvil (free gas, so amounts compare
 * exactly as on the embedded ledger), each node's EVM account bound to its node id.
 */
class EvmWalletTest extends WalletContract {
    private static final List<NodeIdentity> REFEREES = List.of(node(101), node(102), node(103));
    private static dev.mycel.ledger.evm.Anvil chain;
    private static EvmLedger contract;
    private static final Map<NodeIdentity, Credentials> KEYS = new HashMap<>();

    /** Each node's EVM key, derived from its seed for the test (a real node keeps its own key file). */
    private static Credentials key(NodeIdentity node) {
        return KEYS.computeIfAbsent(node, n -> Credentials.create(ECKeyPair.create(new BigInteger(1,
                org.web3j.crypto.Hash.sha3(n.peerId().rawKey())))));
    }

    @BeforeAll
    static void deploy() throws Exception {
        chain = dev.mycel.ledger.evm.Anvil.start(true);
        Credentials owner = key(node(99));
        chain.setBalance(owner.getAddress(), BigInteger.TEN.pow(20));
        List<String> refs = new ArrayList<>();
        for (NodeIdentity r : REFEREES) {
            refs.add(key(r).getAddress());
            chain.setBalance(key(r).getAddress(), BigInteger.TEN.pow(18));
        }
        contract = EvmLedger.deploy(chain.web3(), owner, dev.mycel.ledger.evm.Anvil.CHAIN_ID, Duration.ofHours(1).toSeconds(), refs, 2, 5_000, null);
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.close();
        }
    }

    @Override
    protected Wallet wallet(NodeIdentity node) throws Exception {
        Credentials k = key(node);
        if (chain.balanceWei(k.getAddress()).signum() == 0) {
            // Gas money for binding: an unfunded node cannot write to the chain at all.
            chain.setBalance(k.getAddress(), BigInteger.TEN.pow(16));
        }
        // Every party registers as a node taking part would (servers and clients at start).
        EvmWallet w = EvmWallet.open(contract.as(k), node);
        w.register();
        return w;
    }

    @Override
    protected void fund(NodeIdentity node, long units) throws Exception {
        // Units plus a little ether for gas.
        chain.setBalance(key(node).getAddress(), dev.mycel.ledger.evm.EvmUnits.wei(units).add(BigInteger.TEN.pow(16)));
    }

    @Override
    protected void advance(Duration d) throws Exception {
        chain.advance(d.toSeconds());
    }

    @Override
    protected List<NodeIdentity> referees() {
        return REFEREES;
    }

    @Override
    protected boolean paysGas() {
        // anvil runs with a zero base fee and gas price here: balances move by exactly the ledger's amounts.
        return false;
    }
}
