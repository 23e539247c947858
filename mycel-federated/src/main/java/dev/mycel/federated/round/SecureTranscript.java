package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggException;
import dev.mycel.federated.secagg.SecAggParameters;
import dev.mycel.federated.secagg.Unmasking;
import dev.mycel.net.identity.CanonicalWriter;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a participant needs to repeat a secure round's unmasking and check the coordinator:
 * the public setup, the signed keys of every client whose shares went round, the signed masked
 * input of every survivor, the clients that dropped after sharing, and the secrets the
 * coordinator rebuilt from revealed shares (each survivor's self-mask seed, each dropped
 * client's mask key). The round record signs its hash; {@link #sum()} recomputes the sum.
 *
 * <p>What publishing it gives away: the coordinator's own view, nothing more. A survivor's
 * masked input with its seed still carries the pairwise masks it shares with its neighbours;
 * only someone who also holds those neighbours' mask keys (t of its neighbours colluding) could
 * remove them, which is the protocol's threshold. Each survivor checks that the seed published
 * for it is its own (a coordinator could otherwise steer the sum); each dropped client's key is
 * checked against the public key it signed.
 */
public record SecureTranscript(String runId, int round, int modelLength, SecureSetup setup, List<SignedKeys> keys,
                               List<String> dropped, List<SignedMaskedInput> masked, Map<String, byte[]> seeds,
                               Map<String, byte[]> droppedKeys) {
    public SecureTranscript {
        keys = sortedKeys(keys);
        dropped = List.copyOf(new java.util.TreeSet<>(dropped));
        masked = sortedInputs(masked);
        seeds = copy(seeds);
        droppedKeys = copy(droppedKeys);
    }

    private static List<SignedKeys> sortedKeys(List<SignedKeys> keys) {
        List<SignedKeys> out = new ArrayList<>(keys);
        out.sort(java.util.Comparator.comparing(k -> k.keys().clientId()));
        return List.copyOf(out);
    }

    private static List<SignedMaskedInput> sortedInputs(List<SignedMaskedInput> in) {
        List<SignedMaskedInput> out = new ArrayList<>(in);
        out.sort(java.util.Comparator.comparing(m -> m.input().clientId()));
        return List.copyOf(out);
    }

    private static Map<String, byte[]> copy(Map<String, byte[]> m) {
        Map<String, byte[]> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.clone()));
        return Collections.unmodifiableMap(out);
    }

    /** The survivors: the clients whose masked inputs are in the sum (sorted). */
    public List<String> survivors() {
        List<String> out = new ArrayList<>();
        for (SignedMaskedInput m : masked) {
            out.add(m.input().clientId());
        }
        return out;
    }

    /** SHA-256 of the transcript's canonical bytes, as the round record signs it. */
    public byte[] sha256() {
        MessageDigest d = Hashes.digest();
        d.update(new CanonicalWriter("mycel/fl/secagg-transcript/v1").text(runId).u32(round).u32(modelLength).toByteArray());
        d.update(setup.canonicalBytes());
        CanonicalWriter w = new CanonicalWriter("keys").u32(keys.size());
        for (SignedKeys k : keys) {
            w.text(k.keys().clientId()).bytes(k.keys().shareEncryptionKey()).bytes(k.keys().maskAgreementKey()).bytes(k.signature());
        }
        w.u32(dropped.size());
        for (String u : dropped) {
            w.text(u);
        }
        w.u32(masked.size());
        for (SignedMaskedInput m : masked) {
            w.text(m.input().clientId()).bytes(m.commitment()).bytes(m.signature());
        }
        w.u32(seeds.size());
        seeds.forEach((k, v) -> w.text(k).bytes(v));
        w.u32(droppedKeys.size());
        droppedKeys.forEach((k, v) -> w.text(k).bytes(v));
        d.update(w.toByteArray());
        return d.digest();
    }

    /** What is wrong with the transcript's signatures and membership; empty when nothing. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        java.util.Set<String> signedKeys = new java.util.HashSet<>();
        for (SignedKeys k : keys) {
            if (!k.runId().equals(runId) || k.round() != round || !k.verifies()) {
                problems.add("the keys of " + k.keys().clientId() + " are not signed by it for this round");
            }
            if (!setup.participants().contains(k.keys().clientId())) {
                problems.add(k.keys().clientId() + " has keys in the round but is not a participant");
            }
            signedKeys.add(k.keys().clientId());
        }
        for (SignedMaskedInput m : masked) {
            if (!m.runId().equals(runId) || m.round() != round || !m.verifies()) {
                problems.add("the masked input of " + m.input().clientId() + " is not signed by it for this round");
            }
            if (!signedKeys.contains(m.input().clientId())) {
                problems.add("the masked input of " + m.input().clientId() + " comes without its signed keys");
            }
        }
        for (String u : dropped) {
            if (!signedKeys.contains(u)) {
                problems.add(u + " is listed as dropped after sharing without its signed keys");
            }
        }
        return problems;
    }

    /**
     * The dequantised sum of the survivors' inputs, repeated from the published values.
     *
     * @throws SecAggException when the values are inconsistent (a key that is not the advertised one, a missing seed)
     */
    public double[] sum() {
        SecAggParameters params = setup.parameters(runId, round, modelLength);
        Map<String, byte[]> publicKeys = new TreeMap<>();
        for (SignedKeys k : keys) {
            publicKeys.put(k.keys().clientId(), k.keys().maskAgreementKey());
        }
        Map<String, int[]> inputs = new TreeMap<>();
        for (SignedMaskedInput m : masked) {
            inputs.put(m.input().clientId(), m.input().maskedInput());
        }
        int[] levels = Unmasking.levelSum(params, publicKeys, inputs, seeds, dropped, droppedKeys);
        return params.quantizer().dequantizeSum(levels, inputs.size());
    }
}
