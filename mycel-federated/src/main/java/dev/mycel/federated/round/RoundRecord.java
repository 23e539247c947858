package dev.mycel.federated.round;

import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.util.List;

/**
 * What a coordinator publishes after each round, signed with its node key: the participants and
 * a commitment to each input it used, the clients it refused or lost and why, the hash of the
 * model the round started from, how the inputs were prepared (the clipping norm, equal weights), the hash of the aggregate the strategy computes from those
 * inputs, and the hash of the new global model (the aggregate itself, or the aggregate plus
 * coordinator-side DP noise, which nobody can recompute by design). Anyone holding the inputs
 * recomputes the aggregate bit for bit ({@link RoundAudit}); a coordinator that publishes another
 * hash is caught by any one of them, and its signature makes the lie attributable.
 *
 * <p>With secure aggregation the inputs are the survivors' masked inputs (their commitments;
 * the example count, hidden in the sum, is 0) and {@code secureSha256} is the hash of the
 * round's {@link SecureTranscript}, from which every participant repeats the unmasking; without
 * it, {@code secureSha256} is empty.
 */
public record RoundRecord(String runId, int round, String strategy, byte[] startSha256, List<Input> inputs,
                          List<Refusal> refused, boolean applied, UpdatePreparation preparation, byte[] aggregateSha256,
                          boolean coordinatorNoise, byte[] modelSha256, byte[] secureSha256, String coordinator, byte[] signature) {
    /** One input the aggregate used: its client, examples weight as used, and the commitment. */
    public record Input(String clientId, long numExamples, byte[] commitment) {
    }

    public RoundRecord {
        inputs = List.copyOf(inputs);
        secureSha256 = secureSha256 == null ? new byte[0] : secureSha256;
        refused = List.copyOf(refused);
    }

    byte[] signedBytes() {
        CanonicalWriter w = new CanonicalWriter("mycel/fl/round/v2").text(runId).u32(round).text(strategy)
                .bytes(startSha256).u32(inputs.size());
        for (Input in : inputs) {
            w.text(in.clientId()).u64(in.numExamples()).bytes(in.commitment());
        }
        w.u32(refused.size());
        for (Refusal r : refused) {
            w.text(r.clientId()).text(r.reason());
        }
        return w.u8(applied ? 1 : 0).u64(Double.doubleToLongBits(preparation.clipNorm())).u8(preparation.equalWeights() ? 1 : 0)
                .bytes(aggregateSha256).u8(coordinatorNoise ? 1 : 0).bytes(modelSha256).bytes(secureSha256)
                .text(coordinator).toByteArray();
    }

    /** This record signed by the coordinator. */
    RoundRecord signedBy(NodeIdentity identity) {
        RoundRecord unsigned = new RoundRecord(runId, round, strategy, startSha256, inputs, refused, applied, preparation,
                aggregateSha256, coordinatorNoise, modelSha256, secureSha256, identity.peerId().toString(), new byte[0]);
        return new RoundRecord(runId, round, strategy, startSha256, inputs, refused, applied, preparation, aggregateSha256,
                coordinatorNoise, modelSha256, secureSha256, unsigned.coordinator(), identity.sign(unsigned.signedBytes()));
    }

    /** Whether the coordinator named in the record signed exactly this record. */
    public boolean signatureVerifies() {
        try {
            return Signatures.verify(PeerId.parse(coordinator), signedBytes(), signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
