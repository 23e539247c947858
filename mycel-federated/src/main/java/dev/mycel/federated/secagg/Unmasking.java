package dev.mycel.federated.secagg;

import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;

/**
 * The last step of a round as a pure function: from the survivors' masked inputs, their
 * rebuilt self-mask seeds and the rebuilt mask keys of the clients that dropped after sharing,
 * the exact sum of the survivors' quantised inputs modulo 2<sup>32</sup>. The coordinator runs it
 * once it has rebuilt the secrets from revealed shares; anyone given the same published values
 * (a participant auditing a round) runs it again and gets the same sum, or finds the values
 * inconsistent: a dropped client's key must match the public key it advertised (and signed), and
 * each survivor can check that the seed published for it is its own.
 */
public final class Unmasking {
    private Unmasking() {
    }

    /**
     * The sum of the survivors' quantised inputs.
     *
     * @param params the round's public setup
     * @param maskAgreementKeys every sharer's advertised public mask key (32-byte X25519 encodings)
     * @param maskedInputs each survivor's masked input
     * @param seeds each survivor's self-mask seed b
     * @param dropped the clients that shared their keys and sent no masked input
     * @param droppedKeys the private mask key (32-byte X25519 scalar) of each of {@code dropped}
     *     that has a surviving neighbour (the others masked no survivor's input)
     * @throws SecAggException naming the client whose values are missing or inconsistent
     */
    public static int[] levelSum(SecAggParameters params, Map<String, byte[]> maskAgreementKeys, Map<String, int[]> maskedInputs,
                                 Map<String, byte[]> seeds, java.util.Collection<String> dropped, Map<String, byte[]> droppedKeys) {
        int[] acc = new int[params.vectorLength()];
        for (var e : maskedInputs.entrySet()) {
            int[] y = e.getValue();
            if (y.length != acc.length) {
                throw new SecAggException(e.getKey(), "the masked input of '" + e.getKey() + "' has " + y.length + " values, the round "
                        + acc.length);
            }
            for (int i = 0; i < acc.length; i++) {
                acc[i] += y[i];
            }
            byte[] seed = seeds.get(e.getKey());
            if (seed == null || seed.length != SecAggCrypto.KEY_BYTES) {
                throw new SecAggException(e.getKey(), "no mask seed of the survivor '" + e.getKey() + "'");
            }
            byte[] selfKey = SecAggCrypto.hkdf(seed, SecAggCrypto.selfMaskInfo(params.roundId(), e.getKey()));
            SecAggCrypto.addMask(acc, selfKey, -1);
            Arrays.fill(selfKey, (byte) 0);
        }
        for (String u : dropped) {
            if (maskedInputs.containsKey(u)) {
                throw new SecAggException(u, "'" + u + "' is both a survivor and dropped");
            }
            if (params.neighbours(u).stream().noneMatch(maskedInputs::containsKey)) {
                continue;
            }
            byte[] scalar = droppedKeys.get(u);
            if (scalar == null || scalar.length != SecAggCrypto.KEY_BYTES) {
                throw new SecAggException(u, "no mask key of '" + u + "', which dropped after masking a survivor's input");
            }
            PrivateKey key = SecAggCrypto.decodePrivateKey(scalar);
            byte[] advertised = maskAgreementKeys.get(u);
            if (advertised == null || !Arrays.equals(SecAggCrypto.publicKeyOf(key), advertised)) {
                throw new SecAggException(u, "the mask key given for '" + u + "' is not the key it advertised");
            }
            for (String v : params.neighbours(u)) {
                if (!maskedInputs.containsKey(v)) {
                    continue;
                }
                byte[] pairKey;
                try {
                    PublicKey vKey = SecAggCrypto.decodePublicKey(maskAgreementKeys.get(v));
                    byte[] secret = SecAggCrypto.agree(key, vKey);
                    pairKey = SecAggCrypto.hkdf(secret, SecAggCrypto.pairMaskInfo(params.roundId(), u, v));
                    Arrays.fill(secret, (byte) 0);
                } catch (InvalidKeyException | NullPointerException ex) {
                    throw new SecAggException(v, "key agreement with the mask key of '" + v + "' failed: " + ex.getMessage());
                }
                // v added +PRG(s_uv) if v < u, else -PRG(s_uv); take it out.
                SecAggCrypto.addMask(acc, pairKey, v.compareTo(u) < 0 ? -1 : +1);
                Arrays.fill(pairKey, (byte) 0);
            }
        }
        return acc;
    }
}
