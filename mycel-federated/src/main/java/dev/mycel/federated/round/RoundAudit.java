package dev.mycel.federated.round;

import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A participant's check of a round record: given the model the round started from, the signed
 * inputs the record commits to and the strategy in the state it had before the round, prepare
 * the inputs as the record says (clipping norm, weights), recompute the aggregate and compare
 * every hash. Nothing is trusted from the coordinator but the record's
 * claims, which are checked one by one.
 */
public final class RoundAudit {
    private RoundAudit() {
    }

    /** The problems found; empty when the record is exactly what the inputs give. */
    public static List<String> check(RoundRecord record, float[] start, List<SignedUpdate> inputs, Strategy strategyBefore) {
        List<String> problems = new ArrayList<>();
        if (!record.signatureVerifies()) {
            problems.add("the record's signature is not the coordinator's");
        }
        if (!Arrays.equals(record.startSha256(), Hashes.sha256(start))) {
            problems.add("the record starts from another model");
        }
        List<SignedUpdate> sorted = new ArrayList<>(inputs);
        sorted.sort(Comparator.comparing(s -> s.update().clientId()));
        if (sorted.size() != record.inputs().size()) {
            problems.add("the record names " + record.inputs().size() + " inputs, " + sorted.size() + " were given");
            return problems;
        }
        List<ClientUpdate> updates = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            SignedUpdate s = sorted.get(i);
            RoundRecord.Input in = record.inputs().get(i);
            if (!s.update().clientId().equals(in.clientId())) {
                problems.add("input " + i + " is from " + s.update().clientId() + ", the record names " + in.clientId());
            }
            if (!s.verifies() || !s.runId().equals(record.runId()) || s.round() != record.round()) {
                problems.add("the input of " + in.clientId() + " is not signed by it for this round");
            }
            if (!Arrays.equals(SignedUpdate.commitment(record.round(), s.update()), in.commitment())) {
                problems.add("the input of " + in.clientId() + " does not match the record's commitment");
            }
            updates.add(s.update());
        }
        if (!record.applied()) {
            return problems;
        }
        float[] aggregate = strategyBefore.aggregate(record.round(), start, record.preparation().apply(start, updates));
        if (!Arrays.equals(Hashes.sha256(aggregate), record.aggregateSha256())) {
            problems.add("the aggregate of the inputs has SHA-256 " + Hashes.hex(Hashes.sha256(aggregate))
                    + ", the record claims " + Hashes.hex(record.aggregateSha256()));
        }
        if (!record.coordinatorNoise() && !Arrays.equals(record.aggregateSha256(), record.modelSha256())) {
            problems.add("the record's new model is not its aggregate, and no noise was declared");
        }
        return problems;
    }

    /**
     * The check of a round with secure aggregation, from its published transcript: every key and
     * masked input signed by its client, the record committing to exactly those inputs and that
     * transcript, the unmasking repeated from the published secrets, and the strategy run on the
     * resulting mean. A participant that took part also passes the SHA-256 of its own mask seed
     * ({@code ownSeedSha256}, null otherwise): the seed published for it must be its own.
     */
    public static List<String> checkSecure(RoundRecord record, float[] start, SecureTranscript transcript, Strategy strategyBefore,
                                           String ownId, byte[] ownSeedSha256) {
        List<String> problems = new ArrayList<>();
        if (!record.signatureVerifies()) {
            problems.add("the record's signature is not the coordinator's");
        }
        if (!Arrays.equals(record.startSha256(), Hashes.sha256(start))) {
            problems.add("the record starts from another model");
        }
        if (transcript == null) {
            problems.add("the round has no secure-aggregation transcript");
            return problems;
        }
        if (!transcript.runId().equals(record.runId()) || transcript.round() != record.round()) {
            problems.add("the transcript is of run " + transcript.runId() + " round " + transcript.round());
        }
        if (!Arrays.equals(transcript.sha256(), record.secureSha256())) {
            problems.add("the transcript is not the one the record signs");
        }
        problems.addAll(transcript.problems());
        List<SignedMaskedInput> masked = transcript.masked();
        if (masked.size() != record.inputs().size()) {
            problems.add("the record names " + record.inputs().size() + " inputs, the transcript has " + masked.size());
            return problems;
        }
        for (int i = 0; i < masked.size(); i++) {
            RoundRecord.Input in = record.inputs().get(i);
            SignedMaskedInput m = masked.get(i);
            if (!m.input().clientId().equals(in.clientId()) || !Arrays.equals(m.commitment(), in.commitment())) {
                problems.add("the masked input of " + in.clientId() + " does not match the record's commitment");
            }
        }
        if (ownId != null && ownSeedSha256 != null && transcript.survivors().contains(ownId)) {
            byte[] published = transcript.seeds().get(ownId);
            if (published == null || !Arrays.equals(Hashes.sha256(published), ownSeedSha256)) {
                problems.add("the mask seed published for " + ownId + " is not its own: the coordinator unmasked with another");
            }
        }
        if (!record.applied() || !problems.isEmpty()) {
            return problems;
        }
        double[] sum;
        try {
            sum = transcript.sum();
        } catch (RuntimeException e) {
            problems.add("the published secrets do not unmask the inputs: " + e.getMessage());
            return problems;
        }
        float[] aggregate = strategyBefore.aggregate(record.round(), start,
                List.of(FederatedRun.secureMean(start, sum, record.preparation().clipNorm())));
        if (!Arrays.equals(Hashes.sha256(aggregate), record.aggregateSha256())) {
            problems.add("the aggregate of the unmasked sum has SHA-256 " + Hashes.hex(Hashes.sha256(aggregate))
                    + ", the record claims " + Hashes.hex(record.aggregateSha256()));
        }
        if (!record.coordinatorNoise() && !Arrays.equals(record.aggregateSha256(), record.modelSha256())) {
            problems.add("the record's new model is not its aggregate, and no noise was declared");
        }
        return problems;
    }
}
