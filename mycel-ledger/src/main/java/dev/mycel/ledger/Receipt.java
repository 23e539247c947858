package dev.mycel.ledger;

import dev.mycel.ledger.tx.Id;

/** A durable transaction: its place in the chain, its id, the entry's hash and the ledger time it took effect. */
public record Receipt(long seq, Id transaction, Id entryHash, long time) {
}
