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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator's side of a secure-aggregation round. It relays (and checks) messages, keeps
 * track of who is still in the round, and at the end rebuilds from the revealed shares just
 * enough to remove the masks from the sum: the mask seeds of clients that sent masked inputs and
 * the mask keys of clients that dropped after sharing theirs. It never holds a client's input,
 * an unmasked single input, or a secret it could not have rebuilt from t shares.
 *
 * <p>Steps, each closed by the caller (a network layer closes a step at its deadline):
 * {@link #receive(AdvertiseKeys)}... then {@link #closeAdvertiseKeys()};
 * {@link #receive(ShareKeys)}... then {@link #closeShareKeys()};
 * {@link #receive(MaskedInput)}... then {@link #closeMaskedInput()};
 * {@link #receive(UnmaskResponse)}... then {@link #finish()}. Whoever is silent in a step has
 * dropped. Before the masks are applied (at the first two closes) a client left with fewer than
 * t live neighbours is left out, again and again until none is; after they are applied, too few
 * live neighbours anywhere ends the round with a {@link SecAggException}, never a wrong sum.
 *
 * <p>Not thread-safe; one object per round.
 */
public final class SecAggCoordinator {
    private enum Step { KEYS, SHARES, MASKED, UNMASK, FINISHED }

    private final SecAggParameters params;
    private final NeighbourGraph graph;
    private final int t;
    private Step step = Step.KEYS;

    private final Map<String, AdvertiseKeys> advertised = new TreeMap<>();
    private Set<String> keyHolders = Set.of();
    private final Map<String, ShareKeys> shared = new TreeMap<>();
    private Set<String> sharers = Set.of();
    private final Map<String, int[]> masked = new TreeMap<>();
    private final Map<String, UnmaskRequest> requests = new TreeMap<>();
    private final Map<String, UnmaskResponse> responses = new TreeMap<>();

    public SecAggCoordinator(SecAggParameters params) {
        this.params = params;
        this.graph = params.graph();
        this.t = params.threshold();
    }

    public SecAggParameters parameters() {
        return params;
    }

    // ---- step 2: advertise keys ----

    /** Accepts one client's public keys. */
    public void receive(AdvertiseKeys m) {
        checkRound(m);
        expect(Step.KEYS, "take public keys");
        String from = m.clientId();
        checkParticipant(from);
        if (advertised.containsKey(from)) {
            throw new SecAggException(from, "'" + from + "' advertised keys twice");
        }
        try {
            SecAggCrypto.decodePublicKey(m.shareEncryptionKey());
            SecAggCrypto.decodePublicKey(m.maskAgreementKey());
        } catch (InvalidKeyException e) {
            throw new SecAggException(from, "public keys of '" + from + "' do not decode: " + e.getMessage());
        }
        advertised.put(from, m);
    }

    /**
     * Ends the key step: each client that advertised and keeps at least t neighbours that did
     * gets those neighbours' keys.
     *
     * @throws SecAggException if no client is left
     */
    public Map<String, PublicKeys> closeAdvertiseKeys() {
        expect(Step.KEYS, "close the key step");
        keyHolders = prune(advertised.keySet());
        if (keyHolders.isEmpty()) {
            throw new SecAggException("too many drop-outs: after the key step no client of round " + params.roundId() + " has "
                    + t + " neighbours that advertised keys (" + advertised.size() + " of " + params.participantCount() + " advertised)");
        }
        Map<String, PublicKeys> out = new LinkedHashMap<>();
        for (String u : keyHolders) {
            List<AdvertiseKeys> keys = new ArrayList<>();
            for (String v : graph.neighbours(u)) {
                if (keyHolders.contains(v)) {
                    keys.add(advertised.get(v));
                }
            }
            out.put(u, new PublicKeys(params.roundId(), u, keys));
        }
        step = Step.SHARES;
        return out;
    }

    // ---- step 3: share keys ----

    /** Accepts one client's encrypted shares: exactly one for each of its neighbours that got keys. */
    public void receive(ShareKeys m) {
        checkRound(m);
        expect(Step.SHARES, "take shares");
        String from = m.clientId();
        checkParticipant(from);
        if (!keyHolders.contains(from)) {
            throw new SecAggException(from, "'" + from + "' sent shares but is not in the round after the key step");
        }
        if (shared.containsKey(from)) {
            throw new SecAggException(from, "'" + from + "' sent shares twice");
        }
        Set<String> expected = new TreeSet<>();
        for (String v : graph.neighbours(from)) {
            if (keyHolders.contains(v)) {
                expected.add(v);
            }
        }
        Set<String> seen = new HashSet<>();
        for (EncryptedShare s : m.shares()) {
            if (!s.senderId().equals(from)) {
                throw new SecAggException(from, "'" + from + "' sent a share labelled as from '" + s.senderId() + "'");
            }
            if (!expected.contains(s.recipientId())) {
                throw new SecAggException(from, "'" + from + "' sent a share for '" + s.recipientId()
                        + "', which is not one of its neighbours in the round");
            }
            if (!seen.add(s.recipientId())) {
                throw new SecAggException(from, "'" + from + "' sent two shares for '" + s.recipientId() + "'");
            }
        }
        if (!seen.equals(expected)) {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(seen);
            throw new SecAggException(from, "'" + from + "' sent no share for " + missing
                    + " (a missing share would leave the pair's masks one-sided)");
        }
        shared.put(from, m);
    }

    /**
     * Ends the share step: each client that shared and keeps at least t neighbours that did gets
     * those neighbours' shares for it; the others are out of the round.
     *
     * @throws SecAggException if no client is left
     */
    public Map<String, ForwardedShares> closeShareKeys() {
        expect(Step.SHARES, "close the share step");
        sharers = prune(shared.keySet());
        if (sharers.isEmpty()) {
            throw new SecAggException("too many drop-outs: after the share step no client of round " + params.roundId() + " has "
                    + t + " neighbours that shared their keys (" + shared.size() + " of " + keyHolders.size() + " shared)");
        }
        Map<String, ForwardedShares> out = new LinkedHashMap<>();
        for (String v : sharers) {
            List<EncryptedShare> forV = new ArrayList<>();
            for (String u : graph.neighbours(v)) {
                if (sharers.contains(u)) {
                    for (EncryptedShare s : shared.get(u).shares()) {
                        if (s.recipientId().equals(v)) {
                            forV.add(s);
                        }
                    }
                }
            }
            out.put(v, new ForwardedShares(params.roundId(), v, forV));
        }
        step = Step.MASKED;
        return out;
    }

    // ---- step 4: masked inputs ----

    /** Accepts one client's masked input. */
    public void receive(MaskedInput m) {
        checkRound(m);
        expect(Step.MASKED, "take masked inputs");
        String from = m.clientId();
        checkParticipant(from);
        if (!sharers.contains(from)) {
            throw new SecAggException(from, "'" + from + "' sent a masked input but is not in the round after the share step");
        }
        if (masked.containsKey(from)) {
            throw new SecAggException(from, "'" + from + "' sent two masked inputs");
        }
        int[] y = m.maskedInput();
        if (y.length != params.vectorLength()) {
            throw new SecAggException(from, "'" + from + "' sent " + y.length + " values, the round expects " + params.vectorLength());
        }
        masked.put(from, y);
    }

    /**
     * Ends the masked-input step and asks each client that sent one for its shares: of the mask
     * seeds of its neighbours that sent masked inputs, of the mask keys of those that dropped.
     *
     * @throws SecAggException (asking nobody for anything) if too many dropped: a client that sent
     *     a masked input, or one that dropped after sharing and is masked into a survivor's input,
     *     has fewer than t neighbours that sent masked inputs
     */
    public Map<String, UnmaskRequest> closeMaskedInput() {
        expect(Step.MASKED, "close the masked-input step");
        Set<String> survivors = masked.keySet();
        if (survivors.isEmpty()) {
            throw new SecAggException("no client sent a masked input in round " + params.roundId());
        }
        List<String> problems = new ArrayList<>();
        String culprit = null;
        for (String u : sharers) {
            int live = liveNeighbours(u, survivors);
            boolean survived = survivors.contains(u);
            if (live < t && (survived || live > 0)) {
                culprit = culprit == null ? u : culprit;
                problems.add("'" + u + "' (" + (survived ? "sent its masked input" : "dropped after sharing") + ") has " + live
                        + " neighbours that sent masked inputs, fewer than the threshold " + t + ", so its "
                        + (survived ? "mask seed" : "mask key") + " cannot be rebuilt");
            }
        }
        if (!problems.isEmpty()) {
            step = Step.FINISHED;
            throw new SecAggException(culprit, "too many drop-outs in round " + params.roundId() + ", no sum: "
                    + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                    + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more" : ""));
        }
        Map<String, UnmaskRequest> out = new LinkedHashMap<>();
        for (String v : survivors) {
            List<String> alive = new ArrayList<>();
            List<String> gone = new ArrayList<>();
            for (String u : graph.neighbours(v)) {
                if (survivors.contains(u)) {
                    alive.add(u);
                } else if (sharers.contains(u)) {
                    gone.add(u);
                }
            }
            UnmaskRequest r = new UnmaskRequest(params.roundId(), v, alive, gone);
            requests.put(v, r);
            out.put(v, r);
        }
        step = Step.UNMASK;
        return out;
    }

    // ---- step 5: unmasking ----

    /** Accepts one client's revealed shares; they must be exactly the ones its request asked for. */
    public void receive(UnmaskResponse m) {
        checkRound(m);
        expect(Step.UNMASK, "take unmask responses");
        String from = m.clientId();
        checkParticipant(from);
        UnmaskRequest r = requests.get(from);
        if (r == null) {
            throw new SecAggException(from, "'" + from + "' was not asked to unmask");
        }
        if (responses.containsKey(from)) {
            throw new SecAggException(from, "'" + from + "' answered twice");
        }
        Map<String, Secret> asked = new TreeMap<>();
        r.survivors().forEach(s -> asked.put(s, Secret.MASK_SEED));
        r.dropped().forEach(d -> asked.put(d, Secret.MASK_KEY));
        Set<String> got = new HashSet<>();
        for (RevealedShare s : m.shares()) {
            if (asked.get(s.ownerId()) != s.secret()) {
                throw new SecAggException(from, "'" + from + "' revealed a share of " + s.secret() + " of '" + s.ownerId() + "', which was not asked for");
            }
            if (!got.add(s.ownerId())) {
                throw new SecAggException(from, "'" + from + "' revealed two shares for '" + s.ownerId() + "'");
            }
            if (s.index() != graph.shareIndex(s.ownerId(), from) || s.share().length != SecAggCrypto.KEY_BYTES) {
                throw new SecAggException(from, "'" + from + "' revealed a share of '" + s.ownerId() + "' with the wrong index or length");
            }
        }
        if (got.size() != asked.size()) {
            throw new SecAggException(from, "'" + from + "' revealed " + got.size() + " of the " + asked.size() + " shares asked for");
        }
        responses.put(from, m);
    }

    /**
     * Rebuilds the mask seeds and mask keys from the responses received, removes every mask and
     * returns the exact sum of the survivors' quantised inputs.
     *
     * @throws SecAggException if fewer than t shares of a needed secret arrived, or the shares
     *     of a secret disagree (a corrupt share)
     */
    public SecAggResult finish() {
        expect(Step.UNMASK, "finish");
        step = Step.FINISHED;
        Set<String> survivors = masked.keySet();
        Map<String, List<RevealedShare>> seedShares = new TreeMap<>();
        Map<String, List<RevealedShare>> keyShares = new TreeMap<>();
        for (UnmaskResponse r : responses.values()) {
            for (RevealedShare s : r.shares()) {
                (s.secret() == Secret.MASK_SEED ? seedShares : keyShares).computeIfAbsent(s.ownerId(), k -> new ArrayList<>()).add(s);
            }
        }

        Map<String, byte[]> seeds = new TreeMap<>();
        for (String u : survivors) {
            seeds.put(u, rebuild(u, Secret.MASK_SEED, seedShares.getOrDefault(u, List.of())));
        }
        List<String> dropped = new ArrayList<>();
        Map<String, byte[]> droppedKeys = new TreeMap<>();
        Map<String, byte[]> publicKeys = new TreeMap<>();
        for (String u : sharers) {
            publicKeys.put(u, advertised.get(u).maskAgreementKey());
            if (survivors.contains(u)) {
                continue;
            }
            dropped.add(u);
            if (liveNeighbours(u, survivors) == 0) {
                continue;
            }
            byte[] scalar = rebuild(u, Secret.MASK_KEY, keyShares.getOrDefault(u, List.of()));
            if (!Arrays.equals(SecAggCrypto.publicKeyOf(SecAggCrypto.decodePrivateKey(scalar)), advertised.get(u).maskAgreementKey())) {
                throw new SecAggException(u, "the shares of the mask key of '" + u + "' do not rebuild the key it advertised: a share is corrupt");
            }
            droppedKeys.put(u, scalar);
        }
        int[] acc = Unmasking.levelSum(params, publicKeys, masked, seeds, dropped, droppedKeys);
        long[] unsigned = new long[acc.length];
        for (int i = 0; i < acc.length; i++) {
            unsigned[i] = Integer.toUnsignedLong(acc[i]);
        }
        List<String> excluded = new ArrayList<>();
        for (String p : params.participants()) {
            if (!sharers.contains(p)) {
                excluded.add(p);
            }
        }
        // The rebuilt secrets go into the result: a round record publishes them, so that every
        // participant can repeat this unmasking (Unmasking.levelSum) and check the sum.
        return new SecAggResult(params.roundId(), List.copyOf(survivors), dropped, excluded, unsigned,
                params.quantizer().dequantizeSum(acc, survivors.size()), seeds, droppedKeys);
    }

    /**
     * The coordinator's whole view of the inputs: each surviving client's masked input (copies).
     * For tests and audits: each is uniformly random to anyone without the client's secrets.
     */
    public Map<String, int[]> maskedInputs() {
        Map<String, int[]> out = new TreeMap<>();
        masked.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** Clients still in the round after the key step (those that got their neighbours' keys). */
    public Set<String> keyHolders() {
        return Set.copyOf(keyHolders);
    }

    /** Clients still in the round after the share step (those whose shares were forwarded). */
    public Set<String> sharers() {
        return Set.copyOf(sharers);
    }

    private byte[] rebuild(String owner, Secret secret, List<RevealedShare> shares) {
        String what = secret == Secret.MASK_SEED ? "mask seed" : "mask key";
        if (shares.size() < t) {
            throw new SecAggException(owner, "too many drop-outs during unmasking in round " + params.roundId() + ": only " + shares.size()
                    + " shares of the " + what + " of '" + owner + "' arrived, the threshold is " + t + "; no sum");
        }
        List<RevealedShare> sorted = new ArrayList<>(shares);
        sorted.sort(Comparator.comparingInt(RevealedShare::index));
        byte[] first = combine(sorted.subList(0, t));
        if (sorted.size() > t) {
            // A second, different subset must give the same secret, or some share is corrupt.
            byte[] second = combine(sorted.subList(sorted.size() - t, sorted.size()));
            boolean same = Arrays.equals(first, second);
            Arrays.fill(second, (byte) 0);
            if (!same) {
                throw new SecAggException(owner, "the revealed shares of the " + what + " of '" + owner + "' disagree: a share is corrupt");
            }
        }
        return first;
    }

    private static byte[] combine(List<RevealedShare> shares) {
        int[] idx = new int[shares.size()];
        byte[][] bytes = new byte[shares.size()][];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = shares.get(i).index();
            bytes[i] = shares.get(i).share();
        }
        return SecAggCrypto.combine(idx, bytes);
    }

    /** Repeatedly removes members with fewer than t neighbours among the members. */
    private Set<String> prune(Set<String> members) {
        Set<String> kept = new TreeSet<>(members);
        boolean changed = true;
        while (changed) {
            changed = kept.removeIf(u -> liveNeighbours(u, kept) < t);
        }
        return kept;
    }

    private int liveNeighbours(String u, Set<String> live) {
        int c = 0;
        for (String v : graph.neighbours(u)) {
            if (live.contains(v)) {
                c++;
            }
        }
        return c;
    }

    private void checkRound(SecAggMessage m) {
        if (!m.roundId().equals(params.roundId())) {
            throw new SecAggException(null, "the coordinator of round " + params.roundId() + " refuses a " + m.getClass().getSimpleName()
                    + " of round " + m.roundId());
        }
    }

    private void checkParticipant(String id) {
        if (!params.isParticipant(id)) {
            throw new SecAggException(id, "'" + id + "' is not a participant of round " + params.roundId());
        }
    }

    private void expect(Step expected, String what) {
        if (step != expected) {
            throw new IllegalStateException("the coordinator cannot " + what + " now (at step " + step + ", expected " + expected + ")");
        }
    }
}
