package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggMessage.MaskedInput;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.security.MessageDigest;

/**
 * A client's masked input for one round, signed with its node key over a SHA-256 commitment to
 * it. The round record publishes the commitment; the signature pins the input to its client,
 * so neither the coordinator nor another node can pass off another vector as this one.
 */
public record SignedMaskedInput(String runId, int round, MaskedInput input, byte[] signature) {
    public SignedMaskedInput {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** SHA-256 over the input's canonical bytes: the round, the client, each 32-bit word little-endian. */
    public static byte[] commitment(int round, MaskedInput input) {
        MessageDigest d = Hashes.digest();
        int[] y = input.maskedInput();
        d.update(new CanonicalWriter("mycel/fl/masked-input/v1").u32(round).text(input.roundId()).text(input.clientId())
                .u32(y.length).toByteArray());
        Hashes.update(d, y);
        return d.digest();
    }

    public byte[] commitment() {
        return commitment(round, input);
    }

    static byte[] signedBytes(String runId, int round, byte[] commitment) {
        return new CanonicalWriter("mycel/fl/masked-input-signature/v1").text(runId).u32(round).bytes(commitment).toByteArray();
    }

    public static SignedMaskedInput sign(NodeIdentity identity, String runId, int round, MaskedInput input) {
        if (!identity.peerId().toString().equals(input.clientId())) {
            throw new IllegalArgumentException("node " + identity.peerId() + " cannot sign the input of " + input.clientId());
        }
        return new SignedMaskedInput(runId, round, input, identity.sign(signedBytes(runId, round, commitment(round, input))));
    }

    /** Whether the named client signed this input for this run and round. */
    public boolean verifies() {
        if (!input.roundId().equals(SecureSetup.roundId(runId, round))) {
            return false;
        }
        try {
            return Signatures.verify(PeerId.parse(input.clientId()), signedBytes(runId, round, commitment()), signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
