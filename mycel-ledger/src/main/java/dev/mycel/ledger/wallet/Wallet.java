package dev.mycel.ledger.wallet;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One node's money, whichever ledger keeps it: the embedded ledger (signed transactions, Ed25519
 * vouchers and verdicts) or the EVM contract (Ethereum transactions from the node's bound
 * address, EIP-712 vouchers and verdicts). Everything else in Mycel (paid inference, slashing a
 * lying server) pays and gets paid through this interface, so it runs on either backend
 * unchanged. Accounts are node ids; amounts are whole units; every write returns once it is
 * durable (committed on the embedded ledger, in a block on the chain) with where it is
 * ({@link Committed}), or throws saying why, having changed nothing.
 */
public interface Wallet extends AutoCloseable {
    /** This wallet's node. */
    PeerId self();

    /** Which ledger: the embedded chain's name, or {@code evm-CHAINID-CONTRACT}. */
    String ledgerName();

    /**
     * Makes this node findable by its id, so others can pay it and open channels to it: on the
     * EVM backend this binds its address to its node id on the contract (a transaction, so it
     * needs gas; a wallet's first write does it too); on the embedded ledger accounts are node
     * ids already and this does nothing.
     */
    void register() throws LedgerException;

    /** The ledger's time in milliseconds, what expiries are compared with (the host's clock; the latest block's time). */
    long now() throws LedgerException;

    long balance(PeerId account) throws LedgerException;

    long staked(PeerId account) throws LedgerException;

    /** Stake still unbonding: withdrawable later, slashable until then. */
    long unbonding(PeerId account) throws LedgerException;

    Committed transfer(PeerId to, long amount) throws LedgerException;

    Committed stake(long amount) throws LedgerException;

    Committed unstake(long amount) throws LedgerException;

    /** Moves matured unbonding stake back to the balance. */
    Committed withdraw() throws LedgerException;

    /** Opens a channel from this node to {@code payee}; returns its id. */
    Id openChannel(PeerId payee, long deposit, Duration lifetime) throws LedgerException;

    Optional<ChannelView> channel(Id channel) throws LedgerException;

    /** As the payer: a voucher for {@code cumulative} units in all on {@code channel}, number {@code nonce} (growing). */
    Voucher signVoucher(Id channel, long nonce, long cumulative);

    /** As the payee: whether {@code voucher} is the channel's payer's, checked here without the ledger (per request). */
    boolean voucherValid(ChannelView channel, Voucher voucher);

    /** As the payee: redeems a voucher (the latest covers all before it). */
    Committed claim(Voucher voucher) throws LedgerException;

    /** As the payee: closes the channel, returning what was not claimed to the payer. */
    Committed closeChannel(Id channel) throws LedgerException;

    /** After expiry: returns the unclaimed deposit to the payer. */
    Committed refundChannel(Id channel) throws LedgerException;

    /** As a referee: a verdict against {@code offender} on {@code evidence} (a SHA-256). */
    Operation.Verdict signVerdict(PeerId offender, long amount, PeerId injured, byte[] evidence);

    /** Slashes {@code offender} on a quorum of referees' verdicts. */
    Committed slash(PeerId offender, long amount, PeerId injured, byte[] evidence, List<Operation.Verdict> verdicts)
            throws LedgerException;

    @Override
    void close();
}
