package dev.mycel.ledger.wallet;

import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.Terms;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A node's wallet on the embedded ledger, hosted here ({@link dev.mycel.ledger.embedded.EmbeddedLedger})
 * or by another node ({@link dev.mycel.ledger.remote.RemoteLedger}): each write is a transaction
 * signed with the node key at its next nonce.
 */
public final class EmbeddedWallet implements Wallet {
    private static final long TIMEOUT_MS = 30_000;
    private final Ledger ledger;
    private final NodeIdentity me;
    private final LongSupplier clock;
    private final boolean owns;

    /** {@code clock} gives the milliseconds a channel's lifetime counts from (the ledger's clock where it can be read). */
    public EmbeddedWallet(Ledger ledger, NodeIdentity me, LongSupplier clock, boolean ownsLedger) {
        this.ledger = ledger;
        this.me = me;
        this.clock = clock;
        this.owns = ownsLedger;
    }

    @Override
    public PeerId self() {
        return me.peerId();
    }

    @Override
    public String ledgerName() {
        return ledger.rules().chain();
    }

    public Ledger ledger() {
        return ledger;
    }

    /**
     * Signs {@code op} with the node key at its next nonce and waits until it is durable; a
     * nonce taken meanwhile by another writer of the same key is retried with the next one.
     */
    public Receipt send(Operation op) throws LedgerException {
        for (int attempt = 0; ; attempt++) {
            long nonce = ledger.account(me.peerId()).nonce();
            SignedTransaction tx = SignedTransaction.sign(ledger.rules().chain(), me, nonce, op);
            try {
                return ledger.submit(tx).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof LedgerException le) {
                    // Another writer of the same key took the nonce: take the next one.
                    if (le.reason() == Reason.BAD_NONCE && attempt < 3) {
                        continue;
                    }
                    throw le;
                }
                throw new LedgerException(Reason.UNAVAILABLE, String.valueOf(e.getCause()), e);
            } catch (TimeoutException e) {
                throw new LedgerException(Reason.UNAVAILABLE, "no answer within 30 s; transaction " + tx.id()
                        + " may still be committed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LedgerException(Reason.UNAVAILABLE, "interrupted", e);
            }
        }
    }

    private static Committed committed(Receipt r) {
        return new Committed(r.transaction().toString(), r.seq());
    }

    @Override
    public void register() {
        // An account is a node id: nothing to register.
    }

    @Override
    public long now() {
        return clock.getAsLong();
    }

    @Override
    public long balance(PeerId account) throws LedgerException {
        return ledger.account(account).balance();
    }

    @Override
    public long staked(PeerId account) throws LedgerException {
        return ledger.account(account).staked();
    }

    @Override
    public long unbonding(PeerId account) throws LedgerException {
        return ledger.account(account).unbondingTotal();
    }

    @Override
    public Committed transfer(PeerId to, long amount) throws LedgerException {
        return committed(send(new Operation.Transfer(to, amount)));
    }

    @Override
    public Committed stake(long amount) throws LedgerException {
        return committed(send(new Operation.Stake(amount)));
    }

    @Override
    public Committed unstake(long amount) throws LedgerException {
        return committed(send(new Operation.Unstake(amount)));
    }

    @Override
    public Committed withdraw() throws LedgerException {
        return committed(send(new Operation.Withdraw()));
    }

    @Override
    public Id openChannel(PeerId payee, long deposit, Duration lifetime) throws LedgerException {
        return send(new Operation.ChannelOpen(payee, deposit, clock.getAsLong() + lifetime.toMillis())).transaction();
    }

    @Override
    public Optional<ChannelView> channel(Id channel) throws LedgerException {
        return ledger.channel(channel);
    }

    @Override
    public Voucher signVoucher(Id channel, long nonce, long cumulative) {
        return new Voucher(channel, nonce, cumulative, Terms.signVoucher(me, ledger.rules().chain(), channel, cumulative));
    }

    @Override
    public boolean voucherValid(ChannelView channel, Voucher voucher) {
        return channel.id().equals(voucher.channel())
                && Terms.voucherValid(channel.payer(), ledger.rules().chain(), voucher.channel(), voucher.cumulative(),
                        voucher.signature());
    }

    @Override
    public Committed claim(Voucher voucher) throws LedgerException {
        return committed(send(new Operation.ChannelClaim(voucher.channel(), voucher.cumulative(), voucher.signature())));
    }

    @Override
    public Committed closeChannel(Id channel) throws LedgerException {
        return committed(send(new Operation.ChannelClose(channel)));
    }

    @Override
    public Committed refundChannel(Id channel) throws LedgerException {
        return committed(send(new Operation.ChannelRefund(channel)));
    }

    @Override
    public Operation.Verdict signVerdict(PeerId offender, long amount, PeerId injured, byte[] evidence) {
        return Terms.signVerdict(me, ledger.rules().chain(), offender, amount, injured, evidence);
    }

    @Override
    public Committed slash(PeerId offender, long amount, PeerId injured, byte[] evidence, List<Operation.Verdict> verdicts)
            throws LedgerException {
        return committed(send(new Operation.Slash(offender, amount, injured, evidence, verdicts)));
    }

    @Override
    public void close() {
        if (owns) {
            ledger.close();
        }
    }
}
