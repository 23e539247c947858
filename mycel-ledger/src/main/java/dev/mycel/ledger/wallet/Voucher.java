package dev.mycel.ledger.wallet;

import dev.mycel.ledger.tx.Id;

/**
 * A payer's promise of {@code cumulative} units in all on a channel, its {@code nonce}-th:
 * an Ed25519 signature on the embedded ledger (over {@link dev.mycel.ledger.tx.Terms#voucher},
 * which has no nonce: the growing amount orders them), an EIP-712 one on the EVM backend.
 */
public record Voucher(Id channel, long nonce, long cumulative, byte[] signature) {
    public Voucher {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
