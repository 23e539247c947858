package dev.mycel.ledger.chain;

import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.CanonicalWriter;

/**
 * One committed transaction in the hash chain: its sequence number (from 1), the ledger time
 * the host stamped on it, its wire bytes, and the entry's hash, which covers the previous
 * entry's hash (the rules' genesis hash for the first), so changing any entry changes every hash after it.
 */
public record ChainEntry(long seq, long time, byte[] transaction, Id hash) {
    public ChainEntry {
        transaction = transaction.clone();
    }

    @Override
    public byte[] transaction() {
        return transaction.clone();
    }

    public static Id hash(long seq, long time, Id previous, byte[] transaction) {
        return Id.sha256(new CanonicalWriter("mycel/ledger-entry/v1").u64(seq).u64(time).bytes(previous.bytes())
                .bytes(transaction).toByteArray());
    }

    /** The entry that follows {@code previous} (a hash) at {@code seq}. */
    public static ChainEntry next(long seq, long time, Id previous, byte[] transaction) {
        return new ChainEntry(seq, time, transaction, hash(seq, time, previous, transaction));
    }
}
