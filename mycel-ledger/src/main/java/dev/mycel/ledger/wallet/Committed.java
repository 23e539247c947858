package dev.mycel.ledger.wallet;

/**
 * A durable write: the transaction's name on its ledger (the embedded transaction's id, or the
 * EVM transaction's hash) and where it is (the hash chain's entry number, or the block number).
 */
public record Committed(String transaction, long position) {
}
