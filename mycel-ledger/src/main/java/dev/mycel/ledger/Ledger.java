package dev.mycel.ledger;

import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.state.EscrowView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.identity.PeerId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Accounts, transfers, escrow, stakes, slashing and payment channels, whatever keeps them: the
 * embedded ledger on this node, the embedded ledger of another node reached over mycel-net, or
 * (later) contracts on an EVM chain. Every change is a {@link SignedTransaction}; a submission
 * completes only once the transaction is durable, or fails with a {@link LedgerException}
 * saying why and having changed nothing.
 */
public interface Ledger extends AutoCloseable {
    LedgerRules rules();

    CompletableFuture<Receipt> submit(SignedTransaction tx);

    AccountView account(PeerId id) throws LedgerException;

    Optional<ChannelView> channel(Id id) throws LedgerException;

    Optional<EscrowView> escrow(Id id) throws LedgerException;

    /** Where a committed transaction is, or empty if it never was (a client retrying after a lost answer asks this). */
    Optional<Receipt> receipt(Id transaction) throws LedgerException;

    /** The newest {@code max} committed transactions signed by or paying {@code account}, newest first. */
    List<HistoryEntry> history(PeerId account, int max) throws LedgerException;

    Head head() throws LedgerException;

    @Override
    void close();
}
