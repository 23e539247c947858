package dev.mycel.federated.round;

import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.security.MessageDigest;

/**
 * A client's reply to a round, signed with its node key over the run, the round and a
 * commitment (SHA-256) to the update's canonical bytes. The commitment is what a round record
 * publishes; the signature is what stops another node, or the coordinator, from passing off
 * an update as this client's.
 */
public record SignedUpdate(String runId, int round, ClientUpdate update, byte[] signature) {
    /** SHA-256 over the update's canonical bytes: client id, example count, each float little-endian. */
    public static byte[] commitment(int round, ClientUpdate u) {
        MessageDigest d = Hashes.digest();
        d.update(new CanonicalWriter("mycel/fl/update/v1").u32(round).text(u.clientId()).u64(u.numExamples())
                .u32(u.parameters().length).toByteArray());
        Hashes.update(d, u.parameters());
        return d.digest();
    }

    static byte[] signedBytes(String runId, int round, byte[] commitment) {
        return new CanonicalWriter("mycel/fl/update-signature/v1").text(runId).u32(round).bytes(commitment).toByteArray();
    }

    /** Signs an update as {@code identity}, whose peer id must be the update's client id. */
    public static SignedUpdate sign(NodeIdentity identity, String runId, int round, ClientUpdate update) {
        if (!identity.peerId().toString().equals(update.clientId())) {
            throw new IllegalArgumentException("node " + identity.peerId() + " cannot sign an update of " + update.clientId());
        }
        return new SignedUpdate(runId, round, update, identity.sign(signedBytes(runId, round, commitment(round, update))));
    }

    /** Whether the signature is the client's over this run, round and update. */
    public boolean verifies() {
        PeerId signer;
        try {
            signer = PeerId.parse(update.clientId());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Signatures.verify(signer, signedBytes(runId, round, commitment(round, update)), signature);
    }
}
