package dev.mycel.ledger.chain;

import dev.mycel.ledger.LedgerException;
import java.util.List;

/** A ledger whose committed transactions form a hash chain anyone may fetch and replay. */
public interface HashChain {
    /** Up to {@code max} entries from number {@code from} on, in order. */
    List<ChainEntry> entries(long from, int max) throws LedgerException;
}
