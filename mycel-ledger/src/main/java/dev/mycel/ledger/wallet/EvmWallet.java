package dev.mycel.ledger.wallet;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.evm.EvmLedger;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's wallet on the EVM backend: its EVM account (secp256k1) bound on the contract to its
 * node id, so the others find its address from its node id, and every other node's address
 * found the same way (a binding whose Ed25519 signature does not check is no binding). Channel
 * ids are fresh 32-byte ids; times are the chain's (block timestamps, in seconds there,
 * milliseconds here as on the embedded ledger).
 */
public final class EvmWallet implements Wallet {
    private final EvmLedger evm;
    private final NodeIdentity me;
    private final Map<PeerId, String> addresses = new ConcurrentHashMap<>();
    private final Map<String, PeerId> nodes = new ConcurrentHashMap<>();

    private EvmWallet(EvmLedger evm, NodeIdentity me) {
        this.evm = evm;
        this.me = me;
    }

    private volatile boolean bound;

    /**
     * The wallet of {@code me}, whose EVM account {@code evm} is used as. The two are bound on
     * the contract before this wallet's first write (others find its address by its node id
     * from then on); reading needs no binding, nor gas.
     */
    public static EvmWallet open(EvmLedger evm, NodeIdentity me) {
        EvmWallet w = new EvmWallet(evm, me);
        w.remember(me.peerId(), evm.account());
        return w;
    }

    @Override
    public void register() throws LedgerException {
        bind();
    }

    /** Binds this node to its address on the contract, unless the contract already says so. */
    private void bind() throws LedgerException {
        if (bound) {
            return;
        }
        Optional<String> onChain = evm.addressOf(me.peerId());
        if (onChain.isEmpty() || !onChain.get().equalsIgnoreCase(evm.account())) {
            evm.bind(me);
        }
        bound = true;
    }

    private void remember(PeerId node, String address) {
        addresses.put(node, address.toLowerCase(java.util.Locale.ROOT));
        nodes.put(address.toLowerCase(java.util.Locale.ROOT), node);
    }

    /** The address bound to {@code node}, refusing a node with none (it cannot hold money here). */
    String address(PeerId node) throws LedgerException {
        String known = addresses.get(node);
        if (known != null) {
            return known;
        }
        String a = evm.addressOf(node).orElseThrow(() -> new LedgerException(Reason.UNKNOWN, node
                + " has bound no EVM address on " + ledgerName() + " (a node binds one with its first payment, or when it starts"
                + " taking payments)"));
        remember(node, a);
        return a.toLowerCase(java.util.Locale.ROOT);
    }

    PeerId node(String address) throws LedgerException {
        PeerId known = nodes.get(address.toLowerCase(java.util.Locale.ROOT));
        if (known != null) {
            return known;
        }
        PeerId n = evm.nodeOf(address).orElseThrow(() -> new LedgerException(Reason.UNKNOWN, "the address " + address
                + " is bound to no node"));
        remember(n, address);
        return n;
    }

    private static Committed committed(EvmLedger.Receipt r) {
        return new Committed(r.transactionHash(), r.block());
    }

    @Override
    public PeerId self() {
        return me.peerId();
    }

    @Override
    public String ledgerName() {
        return "evm-" + evm.chainId() + "-" + evm.contract();
    }

    @Override
    public long now() throws LedgerException {
        return evm.chainTime() * 1000;
    }

    @Override
    public long balance(PeerId account) throws LedgerException {
        return evm.balance(address(account));
    }

    @Override
    public long staked(PeerId account) throws LedgerException {
        return evm.staked(address(account));
    }

    @Override
    public long unbonding(PeerId account) throws LedgerException {
        return evm.unbonding(address(account));
    }

    @Override
    public Committed transfer(PeerId to, long amount) throws LedgerException {
        bind();
        if (amount <= 0) {
            throw new LedgerException(Reason.NOT_ALLOWED, "a transfer must be of a positive amount, not " + amount);
        }
        return committed(evm.transfer(address(to), amount));
    }

    @Override
    public Committed stake(long amount) throws LedgerException {
        bind();
        return committed(evm.stake(amount));
    }

    @Override
    public Committed unstake(long amount) throws LedgerException {
        bind();
        return committed(evm.unstake(amount));
    }

    @Override
    public Committed withdraw() throws LedgerException {
        bind();
        return committed(evm.withdraw());
    }

    @Override
    public Id openChannel(PeerId payee, long deposit, Duration lifetime) throws LedgerException {
        bind();
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        Id id = Id.of(random);
        evm.openChannel(id.bytes(), address(payee), deposit, evm.chainTime() + Math.max(1, lifetime.toSeconds()));
        return id;
    }

    @Override
    public Optional<ChannelView> channel(Id channel) throws LedgerException {
        Optional<EvmLedger.Channel> c = evm.channel(channel.bytes());
        if (c.isEmpty()) {
            return Optional.empty();
        }
        EvmLedger.Channel x = c.get();
        return Optional.of(new ChannelView(channel, node(x.payer()), node(x.payee()), x.deposit(), x.claimed(),
                x.expiresAt() * 1000, x.open()));
    }

    @Override
    public Voucher signVoucher(Id channel, long nonce, long cumulative) {
        return new Voucher(channel, nonce, cumulative, evm.signVoucher(channel.bytes(), nonce, cumulative));
    }

    @Override
    public boolean voucherValid(ChannelView channel, Voucher voucher) {
        try {
            return channel.id().equals(voucher.channel()) && evm.voucherValid(address(channel.payer()), voucher.channel().bytes(),
                    voucher.nonce(), voucher.cumulative(), voucher.signature());
        } catch (LedgerException e) {
            return false;
        }
    }

    @Override
    public Committed claim(Voucher voucher) throws LedgerException {
        bind();
        return committed(evm.claim(voucher.channel().bytes(), voucher.nonce(), voucher.cumulative(), voucher.signature()));
    }

    @Override
    public Committed closeChannel(Id channel) throws LedgerException {
        bind();
        return committed(evm.closeChannel(channel.bytes()));
    }

    @Override
    public Committed refundChannel(Id channel) throws LedgerException {
        bind();
        return committed(evm.refundChannel(channel.bytes()));
    }

    @Override
    public Operation.Verdict signVerdict(PeerId offender, long amount, PeerId injured, byte[] evidence) {
        try {
            return new Operation.Verdict(me.peerId(), evm.signVerdict(address(offender), amount, address(injured), evidence));
        } catch (LedgerException e) {
            throw new IllegalStateException("cannot sign a verdict: " + e.getMessage(), e);
        }
    }

    @Override
    public Committed slash(PeerId offender, long amount, PeerId injured, byte[] evidence, List<Operation.Verdict> verdicts)
            throws LedgerException {
        bind();
        List<byte[]> sigs = new ArrayList<>();
        for (Operation.Verdict v : verdicts) {
            sigs.add(v.signature());
        }
        return committed(evm.slash(address(offender), amount, address(injured), evidence, sigs));
    }

    @Override
    public void close() {
        // The web3j client belongs to whoever built the EvmLedger.
    }
}
