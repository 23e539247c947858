package dev.mycel.ledger;

import dev.mycel.ledger.tx.SignedTransaction;

/** A committed transaction that touched an account, with where and when it was committed. */
public record HistoryEntry(long seq, long time, SignedTransaction transaction) {
}
