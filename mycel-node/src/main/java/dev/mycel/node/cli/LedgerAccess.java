package dev.mycel.node.cli;

import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.HashChain;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.remote.RemoteLedger;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import dev.mycel.node.daemon.DataDir;
import dev.mycel.node.daemon.NodeConfig;
import dev.mycel.node.daemon.NodeInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ledger a command uses, and the key it signs with (the node's own, from its data folder).
 * In order: {@code --ledger ADDR}; the config's {@code ledger.address}; the node's own running
 * daemon when it hosts the ledger; else the embedded file in the data folder, opened directly
 * (a node that is not running, or a machine on its own).
 */
final class LedgerAccess implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Ledger ledger;
    private final NodeIdentity me;
    private final PeerChannels channels;
    private final String where;

    private LedgerAccess(Ledger ledger, NodeIdentity me, PeerChannels channels, String where) {
        this.ledger = ledger;
        this.me = me;
        this.channels = channels;
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
        } else if (lc.host()) {
            Optional<NodeInfo> running = NodeInfo.read(data).filter(i -> ProcessHandle.of(i.pid()).map(ProcessHandle::isAlive)
                    .orElse(false));
            if (running.isPresent()) {
                target = BootstrapAddress.parse(running.get().peerId() + "@" + running.get().listen());
            }
        }
        if (target != null) {
            PeerChannels channels = new PeerChannels(new TlsContexts(me), NetLimits.defaults(), 4);
            try {
                RemoteLedger remote = RemoteLedger.connect(channels.channel(target.peer(), target.host(), target.port()), TIMEOUT,
                        genesis);
                return new LedgerAccess(remote, me, channels, "the ledger hosted by " + target);
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
            return new LedgerAccess(local, me, null, "the embedded ledger in " + file);
        } catch (LedgerException e) {
            throw new UserException(e.getMessage());
        }
    }

    Ledger ledger() {
        return ledger;
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
        return (HashChain) ledger;
    }

    /**
     * Signs {@code op} with this node's key at its next nonce and waits until it is durable. A
     * nonce taken meanwhile by another command of the same key is retried with the next one.
     */
    Receipt submit(Operation op) throws LedgerException {
        for (int attempt = 0; ; attempt++) {
            long nonce = ledger.account(me.peerId()).nonce();
            SignedTransaction tx = SignedTransaction.sign(ledger.rules().chain(), me, nonce, op);
            try {
                return ledger.submit(tx).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof LedgerException le) {
                    if (le.reason() == Reason.BAD_NONCE && attempt < 3) {
                        continue;
                    }
                    throw le;
                }
                throw new LedgerException(Reason.UNAVAILABLE, String.valueOf(e.getCause()), e);
            } catch (TimeoutException e) {
                // Not an error yet: it may still commit. Its id lets the user look it up.
                throw new LedgerException(Reason.UNAVAILABLE, "no answer within " + TIMEOUT.toSeconds() + " s; transaction "
                        + tx.id() + " may still be committed (mycel wallet history shows it if so)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LedgerException(Reason.UNAVAILABLE, "interrupted", e);
            }
        }
    }

    @Override
    public void close() {
        ledger.close();
        if (channels != null) {
            channels.close();
        }
    }
}
