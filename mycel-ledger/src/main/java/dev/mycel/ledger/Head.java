package dev.mycel.ledger;

import dev.mycel.ledger.tx.Id;

/** The chain's last entry: its number (0 before any) and hash (the genesis hash before any), and the state's digest there. */
public record Head(long seq, Id hash, Id stateDigest) {
}
