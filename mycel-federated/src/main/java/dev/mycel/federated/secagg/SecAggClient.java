package dev.mycel.federated.secagg;

import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.EncryptedShare;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.MaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.PublicKeys;
import dev.mycel.federated.secagg.SecAggMessage.RevealedShare;
import dev.mycel.federated.secagg.SecAggMessage.Secret;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;

/**
 * One client's side of a secure-aggregation round: it consumes the coordinator's messages and
 * produces its own, one step at a time, and holds every secret it has (its private keys, its
 * mask seed, the shares its neighbours entrusted to it). Not thread-safe; one object per round.
 *
 * <p>Each step checks the round id first (a message for another round is refused and changes
 * nothing), then the step order, then the message itself; a refused message of the right round
 * ends the client's part in the round, since a coordinator that breaks the protocol once is not
 * given a second try.
 */
public final class SecAggClient {
    private enum Step { NEW, ADVERTISED, SHARED, MASKED, DONE, FAILED }

    /** Share plaintext: x-coordinate (1 byte), the mask-seed share, the mask-key share. */
    private static final int SHARE_PLAINTEXT_BYTES = 1 + 2 * SecAggCrypto.KEY_BYTES;

    private final SecAggParameters params;
    private final String id;
    private final SecureRandom random;
    private final List<String> neighbours;
    private Step step = Step.NEW;

    private KeyPair shareEncryptionKeys;
    private KeyPair maskAgreementKeys;
    /** Advertised keys of the neighbours that advertised, by id. */
    private final Map<String, PublicKey[]> neighbourKeys = new TreeMap<>();
    /** The AES-GCM key shared with each of them, derived once when sealing and used again when opening. */
    private final Map<String, byte[]> aeadKeys = new TreeMap<>();
    private byte[] maskSeed;
    private byte[] maskSeedSha256;
    /** Shares held for neighbours that sent theirs: id to {index, seed share, key share}. */
    private final Map<String, HeldShare> held = new TreeMap<>();

    private record HeldShare(int index, byte[] seedShare, byte[] keyShare) {
    }

    /**
     * @param params the round's public setup
     * @param clientId this client's id; must be a participant
     * @param random the source of its keys, seed and share randomness (a real {@code SecureRandom})
     */
    public SecAggClient(SecAggParameters params, String clientId, SecureRandom random) {
        if (!params.isParticipant(clientId)) {
            throw new IllegalArgumentException("'" + clientId + "' is not a participant of round " + params.roundId());
        }
        this.params = params;
        this.id = clientId;
        this.random = random;
        this.neighbours = params.neighbours(clientId);
    }

    public String clientId() {
        return id;
    }

    /**
     * SHA-256 of this client's self-mask seed b, kept after b itself is wiped: when a round's
     * rebuilt seeds are published, the client checks that the one given for it is its own (a
     * coordinator that published another would unmask the sum to a value of its choosing).
     *
     * @throws IllegalStateException before {@link #shareKeys} drew the seed
     */
    public byte[] maskSeedSha256() {
        if (maskSeedSha256 == null) {
            throw new IllegalStateException("'" + id + "' has not drawn its mask seed yet");
        }
        return maskSeedSha256.clone();
    }

    /** Step 2: makes the two X25519 key pairs (c for shares, s for masks) and advertises their public halves. */
    public AdvertiseKeys advertiseKeys() {
        expect(Step.NEW, "advertise keys");
        shareEncryptionKeys = SecAggCrypto.generateKeyPair(random);
        maskAgreementKeys = SecAggCrypto.generateKeyPair(random);
        step = Step.ADVERTISED;
        return new AdvertiseKeys(params.roundId(), id, SecAggCrypto.encodePublicKey(shareEncryptionKeys.getPublic()),
                SecAggCrypto.encodePublicKey(maskAgreementKeys.getPublic()));
    }

    /**
     * Step 3: draws the mask seed b (32 bytes), splits b and the s private key into t-of-k
     * Shamir shares (x-coordinate: the neighbour's position in this client's sorted neighbour
     * list, plus one) and seals each neighbour's pair of shares for it with AES-256-GCM under
     * HKDF(X25519(c_own, c_neighbour)).
     *
     * @throws SecAggException if the keys are for another round or client, come from a
     *     non-neighbour or twice, do not decode, or fewer than t neighbours advertised
     */
    public ShareKeys shareKeys(PublicKeys keys) {
        checkRound(keys);
        expect(Step.ADVERTISED, "share keys");
        try {
            if (!keys.recipientId().equals(id)) {
                throw refuse(null, "public keys addressed to '" + keys.recipientId() + "' reached '" + id + "'");
            }
            for (AdvertiseKeys k : keys.neighbourKeys()) {
                checkRound(k);
                String from = k.clientId();
                if (!neighbours.contains(from)) {
                    throw refuse(from, "public keys of '" + from + "', which is not a neighbour of '" + id + "'");
                }
                if (neighbourKeys.containsKey(from)) {
                    throw refuse(from, "public keys of '" + from + "' listed twice");
                }
                try {
                    neighbourKeys.put(from, new PublicKey[] {SecAggCrypto.decodePublicKey(k.shareEncryptionKey()),
                            SecAggCrypto.decodePublicKey(k.maskAgreementKey())});
                } catch (InvalidKeyException e) {
                    throw refuse(from, "public keys of '" + from + "' do not decode: " + e.getMessage());
                }
            }
            if (neighbourKeys.size() < params.threshold()) {
                throw refuse(null, "only " + neighbourKeys.size() + " neighbours of '" + id + "' advertised keys, fewer than the threshold "
                        + params.threshold());
            }

            maskSeed = new byte[SecAggCrypto.KEY_BYTES];
            random.nextBytes(maskSeed);
            maskSeedSha256 = SecAggCrypto.sha256(maskSeed);
            byte[] maskKey = SecAggCrypto.privateKeyBytes(maskAgreementKeys.getPrivate());
            int k = neighbours.size();
            byte[][] seedShares = SecAggCrypto.split(maskSeed, params.threshold(), k, random);
            byte[][] keyShares = SecAggCrypto.split(maskKey, params.threshold(), k, random);
            Arrays.fill(maskKey, (byte) 0);

            List<EncryptedShare> out = new ArrayList<>(neighbourKeys.size());
            for (Map.Entry<String, PublicKey[]> e : neighbourKeys.entrySet()) {
                String to = e.getKey();
                int index = params.graph().shareIndex(id, to);
                byte[] plain = new byte[SHARE_PLAINTEXT_BYTES];
                plain[0] = (byte) index;
                System.arraycopy(seedShares[index - 1], 0, plain, 1, SecAggCrypto.KEY_BYTES);
                System.arraycopy(keyShares[index - 1], 0, plain, 1 + SecAggCrypto.KEY_BYTES, SecAggCrypto.KEY_BYTES);
                byte[] key = shareKey(to, e.getValue()[0]);
                aeadKeys.put(to, key);
                byte[] nonce = new byte[SecAggCrypto.GCM_NONCE_BYTES];
                random.nextBytes(nonce);
                out.add(new EncryptedShare(id, to, nonce, SecAggCrypto.seal(key, nonce, SecAggCrypto.shareAad(params.roundId(), id, to), plain)));
                Arrays.fill(plain, (byte) 0);
            }
            for (byte[] s : seedShares) {
                Arrays.fill(s, (byte) 0);
            }
            for (byte[] s : keyShares) {
                Arrays.fill(s, (byte) 0);
            }
            step = Step.SHARED;
            return new ShareKeys(params.roundId(), id, out);
        } catch (RuntimeException e) {
            step = Step.FAILED;
            throw e;
        }
    }

    /** Step 4 with a real-valued input: quantises it with the round's {@link Quantizer}, then masks it. */
    public MaskedInput maskedInput(ForwardedShares shares, float[] input) {
        checkRound(shares);
        if (input.length != params.vectorLength()) {
            throw new IllegalArgumentException("input has " + input.length + " values, the round expects " + params.vectorLength());
        }
        return maskedInput(shares, params.quantizer().quantize(input));
    }

    /**
     * Step 4: decrypts and keeps the shares its neighbours sent (their senders are the
     * neighbours it masks against) and returns
     * {@code y = x + PRG(HKDF(b)) + sum over those neighbours j of (id < j ? +1 : -1) PRG(s_ij)}
     * modulo 2^32, where {@code s_ij = HKDF(X25519(s_own, s_j))} for this round and pair.
     *
     * @param quantisedInput the input's levels (unsigned 32-bit values), as {@link Quantizer#quantize}
     *     makes them
     * @throws SecAggException naming the sender if a share fails AES-GCM authentication or
     *     carries the wrong index; also if a share comes from a non-neighbour, twice, or for
     *     someone else, or fewer than t neighbours sent theirs
     */
    public MaskedInput maskedInput(ForwardedShares shares, int[] quantisedInput) {
        checkRound(shares);
        expect(Step.SHARED, "send its masked input");
        if (quantisedInput.length != params.vectorLength()) {
            throw new IllegalArgumentException("input has " + quantisedInput.length + " values, the round expects " + params.vectorLength());
        }
        try {
            if (!shares.recipientId().equals(id)) {
                throw refuse(null, "shares addressed to '" + shares.recipientId() + "' reached '" + id + "'");
            }
            for (EncryptedShare s : shares.shares()) {
                String from = s.senderId();
                if (!s.recipientId().equals(id)) {
                    throw refuse(from, "a share from '" + from + "' for '" + s.recipientId() + "' reached '" + id + "'");
                }
                if (!aeadKeys.containsKey(from)) {
                    throw refuse(from, "a share from '" + from + "', which is not a neighbour of '" + id + "' that advertised keys");
                }
                if (held.containsKey(from)) {
                    throw refuse(from, "two shares from '" + from + "'");
                }
                byte[] plain;
                try {
                    plain = SecAggCrypto.open(aeadKeys.get(from), s.nonce(), SecAggCrypto.shareAad(params.roundId(), from, id), s.ciphertext());
                } catch (AEADBadTagException e) {
                    throw new SecAggException(from, "the share from '" + from + "' to '" + id + "' failed AES-GCM authentication:"
                            + " altered in transit, or not sealed by '" + from + "' for '" + id + "' in round " + params.roundId(), e);
                }
                int expected = params.graph().shareIndex(from, id);
                if (plain.length != SHARE_PLAINTEXT_BYTES || (plain[0] & 0xff) != expected) {
                    throw refuse(from, "the share from '" + from + "' has the wrong form or index (expected x = " + expected + ")");
                }
                held.put(from, new HeldShare(expected, Arrays.copyOfRange(plain, 1, 1 + SecAggCrypto.KEY_BYTES),
                        Arrays.copyOfRange(plain, 1 + SecAggCrypto.KEY_BYTES, SHARE_PLAINTEXT_BYTES)));
                Arrays.fill(plain, (byte) 0);
            }
            if (held.size() < params.threshold()) {
                throw refuse(null, "only " + held.size() + " neighbours of '" + id + "' shared their keys, fewer than the threshold "
                        + params.threshold());
            }

            int[] y = quantisedInput.clone();
            byte[] selfKey = SecAggCrypto.hkdf(maskSeed, SecAggCrypto.selfMaskInfo(params.roundId(), id));
            SecAggCrypto.addMask(y, selfKey, +1);
            Arrays.fill(selfKey, (byte) 0);
            Arrays.fill(maskSeed, (byte) 0);
            for (String j : held.keySet()) {
                byte[] pairKey;
                try {
                    byte[] secret = SecAggCrypto.agree(maskAgreementKeys.getPrivate(), neighbourKeys.get(j)[1]);
                    pairKey = SecAggCrypto.hkdf(secret, SecAggCrypto.pairMaskInfo(params.roundId(), id, j));
                    Arrays.fill(secret, (byte) 0);
                } catch (InvalidKeyException e) {
                    throw refuse(j, "key agreement with the mask key of '" + j + "' failed: " + e.getMessage());
                }
                SecAggCrypto.addMask(y, pairKey, id.compareTo(j) < 0 ? +1 : -1);
                Arrays.fill(pairKey, (byte) 0);
            }
            aeadKeys.values().forEach(k -> Arrays.fill(k, (byte) 0));
            step = Step.MASKED;
            return new MaskedInput(params.roundId(), id, y);
        } catch (RuntimeException e) {
            step = Step.FAILED;
            throw e;
        }
    }

    /**
     * Step 5: reveals, for each neighbour listed as a survivor, its share of that neighbour's
     * mask seed, and for each listed as dropped, its share of that neighbour's mask key. Answers
     * once per round.
     *
     * @throws SecAggException if a neighbour is in both lists (that would hand over both of its
     *     secrets' shares), a listed id is not a neighbour whose shares this client holds, an id
     *     repeats, or the client already answered
     */
    public UnmaskResponse unmask(UnmaskRequest request) {
        checkRound(request);
        if (step == Step.DONE) {
            step = Step.FAILED;
            throw new SecAggException(null, "'" + id + "' already answered an unmask request in round " + params.roundId()
                    + "; a second answer could reveal both shares of a neighbour");
        }
        expect(Step.MASKED, "unmask");
        try {
            if (!request.recipientId().equals(id)) {
                throw refuse(null, "an unmask request for '" + request.recipientId() + "' reached '" + id + "'");
            }
            Set<String> survivors = new HashSet<>();
            for (String s : request.survivors()) {
                checkHeld(s);
                if (!survivors.add(s)) {
                    throw refuse(s, "'" + s + "' is listed twice as a survivor");
                }
            }
            Set<String> dropped = new HashSet<>();
            for (String d : request.dropped()) {
                checkHeld(d);
                if (survivors.contains(d)) {
                    throw refuse(d, "the coordinator asked for both the mask-seed share and the mask-key share of '" + d
                            + "' (listed as survivor and as dropped); revealing both would unmask its input");
                }
                if (!dropped.add(d)) {
                    throw refuse(d, "'" + d + "' is listed twice as dropped");
                }
            }
            List<RevealedShare> out = new ArrayList<>(survivors.size() + dropped.size());
            for (String s : request.survivors()) {
                HeldShare h = held.get(s);
                out.add(new RevealedShare(s, Secret.MASK_SEED, h.index(), h.seedShare()));
            }
            for (String d : request.dropped()) {
                HeldShare h = held.get(d);
                out.add(new RevealedShare(d, Secret.MASK_KEY, h.index(), h.keyShare()));
            }
            for (HeldShare h : held.values()) {
                Arrays.fill(h.seedShare(), (byte) 0);
                Arrays.fill(h.keyShare(), (byte) 0);
            }
            step = Step.DONE;
            return new UnmaskResponse(params.roundId(), id, out);
        } catch (RuntimeException e) {
            step = Step.FAILED;
            throw e;
        }
    }

    private void checkHeld(String neighbour) {
        if (!held.containsKey(neighbour)) {
            throw refuse(neighbour, "'" + neighbour + "' is not a neighbour whose shares '" + id + "' holds");
        }
    }

    private byte[] shareKey(String other, PublicKey otherShareKey) {
        try {
            byte[] secret = SecAggCrypto.agree(shareEncryptionKeys.getPrivate(), otherShareKey);
            byte[] key = SecAggCrypto.hkdf(secret, SecAggCrypto.shareKeyInfo(params.roundId(), id, other));
            Arrays.fill(secret, (byte) 0);
            return key;
        } catch (InvalidKeyException e) {
            throw refuse(other, "key agreement with the share key of '" + other + "' failed: " + e.getMessage());
        }
    }

    private void checkRound(SecAggMessage m) {
        if (!m.roundId().equals(params.roundId())) {
            throw new SecAggException(null, "'" + id + "' is in round " + params.roundId() + " and refuses a " + m.getClass().getSimpleName()
                    + " of round " + m.roundId());
        }
    }

    private void expect(Step expected, String what) {
        if (step != expected) {
            throw new IllegalStateException("'" + id + "' cannot " + what + " now (at step " + step + ", expected " + expected + ")");
        }
    }

    private SecAggException refuse(String about, String message) {
        return new SecAggException(about, message);
    }
}
