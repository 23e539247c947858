package dev.mycel.node.cli;

import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.chain.HashChain;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.evm.EvmKeyFile;
import dev.mycel.ledger.evm.EvmLedger;
import dev.mycel.ledger.remote.RemoteLedger;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.wallet.EmbeddedWallet;
import dev.mycel.ledger.wallet.EvmWallet;
import dev.mycel.ledger.wallet.Wallet;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import dev.mycel.node.daemon.AdminClient;
import dev.mycel.node.daemon.DataDir;
import dev.mycel.node.daemon.NodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The ledger a command uses, and the key it signs with (the node's own, from its data folder).
 * With {@code ledger.backend = "evm"}: the contract on the configured chain, through the node's
 * EVM key. Otherwise, in order: {@code --ledger ADDR}; the config's {@code ledger.address}; the
 * node's own running daemon when it hosts the ledger; else the embedded file in the data
 * folder, opened directly (a node that is not running, or a machine on its own).
 */
final class LedgerAccess implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Ledger ledger;
    private final Wallet wallet;
    private final NodeIdentity me;
    private final PeerChannels channels;
    private final Web3j web3;
    private final String where;
    private EvmLedger evmLedger;

    private LedgerAccess(Ledger ledger, Wallet wallet, NodeIdentity me, PeerChannels channels, Web3j web3, String where) {
        this.ledger = ledger;
        this.wallet = wallet;
        this.me = me;
        this.channels = channels;
        this.web3 = web3;
        this.where = where;
    }

    static LedgerAccess open(Path dataDir, Path configFile, String address) {
        List<NodeConfig.Setting> flags = dataDir == null ? List.of()
                : List.of(NodeConfig.Setting.flag("data_dir", dataDir.toAbsolutePath().toString(), "--data"));
        NodeConfig config = NodeConfig.load(configFile, flags);
        Path data = config.dataDir();
        NodeIdentity me;
        try {
            DataDir.create(data);
            me = NodeIdentity.loadOrCreate(data);
        } catch (IOException e) {
            throw new UserException("cannot read this node's key in " + data + ": " + e.getMessage());
        }
        NodeConfig.Ledger lc = config.ledger();
        if (lc.backend().equals("evm")) {
            return openEvm(lc, data, me, address);
        }
        Id genesis = lc.genesis().isEmpty() ? null : Id.parse(lc.genesis());
        BootstrapAddress target = null;
        if (address != null) {
            try {
                target = BootstrapAddress.parse(address);
            } catch (IllegalArgumentException e) {
                throw new UserException("--ledger " + address + ": " + e.getMessage(), true);
            }
            if (target.peer() == null) {
                throw new UserException("--ledger must name the host's peer id too: PEERID@HOST:PORT", true);
            }
        } else if (lc.address() != null) {
            target = lc.address();
        } else {
            // The node running on this folder may have been given its ledger by flags (devnet does):
            // use the one it uses. A node that is not running leaves the config's say.
            target = runningNodesLedger(data);
        }
        if (target != null) {
            PeerChannels channels = new PeerChannels(new TlsContexts(me), NetLimits.defaults(), 4);
            try {
                RemoteLedger remote = RemoteLedger.connect(channels.channel(target.peer(), target.host(), target.port()), TIMEOUT,
                        genesis);
                return new LedgerAccess(remote, new EmbeddedWallet(remote, me, System::currentTimeMillis, false), me, channels, null,
                        "the ledger hosted by " + target);
            } catch (LedgerException e) {
                channels.close();
                throw new UserException("cannot reach the ledger at " + target + ": " + e.getMessage()
                        + (e.reason() == Reason.UNAVAILABLE ? " (is the host node running? mycel node status there)" : ""));
            }
        }
        Path file = DataDir.ledgerFile(data);
        try {
            EmbeddedLedger local = EmbeddedLedger.open(file, lc.rules(me.peerId()), System::currentTimeMillis);
            if (genesis != null && !genesis.equals(local.rules().genesis())) {
                local.close();
                throw new UserException(file + " holds ledger " + local.rules().genesis() + ", not ledger.genesis " + genesis);
            }
            return new LedgerAccess(local, new EmbeddedWallet(local, me, System::currentTimeMillis, false), me, null, null,
                    "the embedded ledger in " + file);
        } catch (LedgerException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The ledger host the node running on {@code data} uses, from its admin API; null when none runs or it uses its own file. */
    private static BootstrapAddress runningNodesLedger(Path data) {
        try {
            // forDataDir refuses a folder with no live node on it (node.json, pid and lock checked there).
            com.fasterxml.jackson.databind.JsonNode l = AdminClient.forDataDir(data).get("/v1/ledger");
            String address = l.path("address").isTextual() ? l.path("address").asText() : null;
            return address == null ? null : BootstrapAddress.parse(address);
        } catch (RuntimeException noNodeOrNoAnswer) {
            // No node runs there, or it is shutting down: the embedded file in the folder is the ledger.
            return null;
        }
    }

    private static LedgerAccess openEvm(NodeConfig.Ledger lc, Path data, NodeIdentity me, String address) {
        if (address != null) {
            throw new UserException("--ledger names a host of the embedded ledger; this node's ledger.backend is \"evm\"", true);
        }
        if (lc.evmContract().isEmpty()) {
            throw new UserException("ledger.evm_contract is not set: deploy the contract with mycel ledger deploy --rpc "
                    + lc.evmRpc() + " and put the address it prints in the config");
        }
        Web3j web3 = Web3j.build(new HttpService(lc.evmRpc()));
        try {
            Credentials key = EvmKeyFile.loadOrCreate(data);
            long chainId = web3.ethChainId().send().getChainId().longValueExact();
            EvmLedger evm = EvmLedger.at(web3, key, chainId, lc.evmContract());
            Wallet wallet = EvmWallet.open(evm, me);
            LedgerAccess access = new LedgerAccess(null, wallet, me, null, web3, "the contract " + lc.evmContract() + " on chain "
                    + chainId + " (" + lc.evmRpc() + ")");
            access.evmLedger = evm;
            return access;
        } catch (IOException e) {
            web3.shutdown();
            throw new UserException("cannot reach the chain at " + lc.evmRpc() + ": " + e.getMessage());
        }
    }

    /** The embedded ledger's own API (hash chain, history, receipts), or a clear error on the EVM backend. */
    Ledger ledger() {
        if (ledger == null) {
            throw new UserException("this is the EVM backend (" + where + "): the chain itself keeps its history and is"
                    + " verified by its own nodes; look this node's address up in the chain's explorer");
        }
        return ledger;
    }

    Wallet wallet() {
        return wallet;
    }

    /** The contract as this node's EVM account (EVM backend only). */
    EvmLedger evmLedger() {
        return evmLedger;
    }

    boolean evm() {
        return ledger == null;
    }

    NodeIdentity me() {
        return me;
    }

    /** Where the ledger is, for messages. */
    String where() {
        return where;
    }

    /** The chain to fetch and replay ({@code ledger verify}). */
    HashChain chain() {
        return (HashChain) ledger();
    }

    @Override
    public void close() {
        wallet.close();
        if (ledger != null) {
            ledger.close();
        }
        if (channels != null) {
            channels.close();
        }
        if (web3 != null) {
            web3.shutdown();
        }
    }
}
