package dev.mycel.ledger.tx;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;

/**
 * A transaction as it travels and as it is stored: the canonical body ({@link
 * TransactionCodec#body}) signed with the signer's Ed25519 key. {@code chain} names the ledger
 * (so a transaction for a devnet is refused on another network) and {@code nonce} is the
 * signer's count of accepted transactions (so none is applied twice).
 */
public record SignedTransaction(String chain, PeerId signer, long nonce, Operation operation, byte[] signature) {
    public SignedTransaction {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Signs {@code operation} as {@code identity}'s transaction number {@code nonce} on {@code chain}. */
    public static SignedTransaction sign(String chain, NodeIdentity identity, long nonce, Operation operation) {
        byte[] body = TransactionCodec.body(chain, identity.peerId(), nonce, operation);
        return new SignedTransaction(chain, identity.peerId(), nonce, operation, identity.sign(body));
    }

    /** The signed bytes. */
    public byte[] body() {
        return TransactionCodec.body(chain, signer, nonce, operation);
    }

    /** SHA-256 of the signed body: the transaction's id, and the id of what it opens. */
    public Id id() {
        return Id.sha256(body());
    }

    public boolean signatureValid() {
        return Signatures.verify(signer, body(), signature);
    }

    /** The wire and storage form: the body, then the 64-byte signature. */
    public byte[] encode() {
        return TransactionCodec.encode(this);
    }
}
