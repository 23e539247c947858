package dev.mycel.ledger.chain;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.state.LedgerState;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.TransactionCodec;

/**
 * Rebuilds a ledger's state from its hash chain, checking everything as it goes: each entry's
 * number, its link to the one before, that time never runs backwards, and that the transaction
 * is valid (signature included) at that point. This is both how the host reopens its file and
 * what {@code mycel ledger verify} runs on another node.
 */
public final class Replay {
    private final LedgerState state;
    private long seq;
    private long time = Long.MIN_VALUE;
    private Id head;

    public Replay(LedgerRules rules) {
        this.state = new LedgerState(rules);
        this.head = rules.genesis();
    }

    /** Thrown when the chain is not what an honest host would have written. */
    public static final class ChainBroken extends Exception {
        private final long seq;

        ChainBroken(long seq, String message, Throwable cause) {
            super("entry " + seq + ": " + message, cause);
            this.seq = seq;
        }

        public long seq() {
            return seq;
        }
    }

    public void add(ChainEntry e) throws ChainBroken {
        if (e.seq() != seq + 1) {
            throw new ChainBroken(e.seq(), "expected entry " + (seq + 1), null);
        }
        if (e.time() < time) {
            throw new ChainBroken(e.seq(), "its time " + e.time() + " is before the previous entry's " + time, null);
        }
        Id expected = ChainEntry.hash(e.seq(), e.time(), head, e.transaction());
        if (!expected.equals(e.hash())) {
            throw new ChainBroken(e.seq(), "its hash " + e.hash() + " is not " + expected
                    + " (the entry, or one before it, was changed)", null);
        }
        try {
            SignedTransaction tx = TransactionCodec.decode(e.transaction());
            state.apply(tx, e.time(), false);
        } catch (LedgerException ex) {
            throw new ChainBroken(e.seq(), "its transaction would have been refused: " + ex.getMessage(), ex);
        }
        seq = e.seq();
        time = e.time();
        head = e.hash();
    }

    public LedgerState state() {
        return state;
    }

    public long seq() {
        return seq;
    }

    public Id head() {
        return head;
    }

    public long time() {
        return time;
    }
}
