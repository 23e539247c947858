package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;

/**
 * A client's two X25519 public keys for one secure-aggregation round, signed with its node key.
 * The signature is what stops a coordinator from swapping in keys of its own (and so reading the
 * shares neighbours send each other): every client checks its neighbours' signatures before it
 * seals anything for them, and an auditor checks them before trusting a rebuilt key.
 */
public record SignedKeys(String runId, int round, AdvertiseKeys keys, byte[] signature, java.util.Map<String, Double> metrics) {
    public SignedKeys {
        signature = signature.clone();
        metrics = java.util.Map.copyOf(metrics);
    }

    /** Keys without metrics. */
    public SignedKeys(String runId, int round, AdvertiseKeys keys, byte[] signature) {
        this(runId, round, keys, signature, java.util.Map.of());
    }

    /**
     * The same keys carrying the client's informational metrics (its training time): outside the
     * signature and every hash, since nothing depends on them but the coordinator's reports.
     */
    public SignedKeys withMetrics(java.util.Map<String, Double> metrics) {
        return new SignedKeys(runId, round, keys, signature, metrics);
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    static byte[] signedBytes(String runId, int round, AdvertiseKeys keys) {
        return new CanonicalWriter("mycel/fl/secagg-keys/v1").text(runId).u32(round).text(keys.roundId()).text(keys.clientId())
                .bytes(keys.shareEncryptionKey()).bytes(keys.maskAgreementKey()).toByteArray();
    }

    /** The keys signed as {@code identity}, whose peer id must be the keys' client id. */
    public static SignedKeys sign(NodeIdentity identity, String runId, int round, AdvertiseKeys keys) {
        if (!identity.peerId().toString().equals(keys.clientId())) {
            throw new IllegalArgumentException("node " + identity.peerId() + " cannot sign the keys of " + keys.clientId());
        }
        return new SignedKeys(runId, round, keys, identity.sign(signedBytes(runId, round, keys)));
    }

    /** Whether the named client signed these keys for this run and round (and the SecAgg round id matches them). */
    public boolean verifies() {
        if (!keys.roundId().equals(SecureSetup.roundId(runId, round))) {
            return false;
        }
        try {
            return Signatures.verify(PeerId.parse(keys.clientId()), signedBytes(runId, round, keys), signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
