package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggClient;
import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.PublicKeys;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.secagg.SecAggParameters;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.net.identity.NodeIdentity;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A client's side of secure aggregation across a round's four exchanges with the coordinator:
 * it encodes and quantises its trained update, advertises signed keys, checks its neighbours'
 * signatures before sealing shares for them, sends its signed masked input and answers one
 * unmask request. It holds one round at a time; a message for another run or round is refused,
 * and so is any exchange out of order (the {@link SecAggClient} underneath enforces it).
 */
public final class SecureParticipant {
    private final NodeIdentity identity;
    private final SecureRandom random;
    private String runId;
    private int round;
    private SecAggClient client;
    private int[] quantised;
    private int noiseShares;

    public SecureParticipant(NodeIdentity identity, SecureRandom random) {
        this.identity = Objects.requireNonNull(identity);
        this.random = Objects.requireNonNull(random);
    }

    private String id() {
        return identity.peerId().toString();
    }

    /** Exchange 1: takes the round's trained update, quantises it and advertises this round's keys. */
    public synchronized SignedKeys begin(SecureFitRequest request, ClientUpdate trained) {
        return begin(request, trained, 0, null);
    }

    /**
     * Exchange 1 for a client that adds its share of client-level DP noise itself: after
     * clipping, before quantising and masking, N(0, noiseStd²) on each value of the update (not
     * on the weight), so the sum carries the noise of all and no party ever sees an update
     * without its share of it.
     *
     * @throws IllegalArgumentException when the setup's fixed-point range leaves too little room
     *     for that noise (the values would be clamped, and the noise with them)
     */
    public synchronized SignedKeys begin(SecureFitRequest request, ClientUpdate trained, double noiseStd,
                                         java.util.random.RandomGenerator noise) {
        FitRequest fit = request.fit();
        SecureSetup setup = request.setup();
        if (!setup.participants().contains(id())) {
            throw new IllegalArgumentException("this node (" + id() + ") is not a participant of round " + fit.round());
        }
        SecAggParameters params = setup.parameters(fit.runId(), fit.round(), fit.global().length);
        float[] encoded = SecureInput.encode(fit.global(), trained.parameters(), trained.numExamples(), setup.clipNorm(),
                setup.weightBound(), setup.countWithin());
        if (noiseStd > 0) {
            if (setup.valueRange() < setup.clipNorm() + 6 * noiseStd) {
                throw new IllegalArgumentException("the round's fixed-point range " + setup.valueRange() + " leaves no room for noise"
                        + " of standard deviation " + noiseStd + " on updates clipped to " + setup.clipNorm());
            }
            for (int i = 0; i < fit.global().length; i++) {
                encoded[i] = (float) (encoded[i] + noiseStd * noise.nextGaussian());
            }
        }
        this.runId = fit.runId();
        this.round = fit.round();
        this.noiseShares = setup.noiseShares();
        this.quantised = params.quantizer().quantize(encoded);
        this.client = new SecAggClient(params, id(), random);
        AdvertiseKeys keys = client.advertiseKeys();
        return SignedKeys.sign(identity, runId, round, keys).withMetrics(trained.metrics());
    }

    /** Exchange 2: checks each neighbour's signed keys, then seals this client's shares for them. */
    public synchronized ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbours) {
        requireRound(runId, round);
        List<AdvertiseKeys> keys = new ArrayList<>();
        for (SignedKeys k : neighbours) {
            if (!k.runId().equals(runId) || k.round() != round || !k.verifies()) {
                throw new IllegalArgumentException("the keys given as " + k.keys().clientId()
                        + "'s are not signed by it for this round: refusing to share secrets with them");
            }
            keys.add(k.keys());
        }
        return client.shareKeys(new PublicKeys(SecureSetup.roundId(runId, round), id(), keys));
    }

    /** Exchange 3: takes the neighbours' sealed shares and returns the signed masked input. */
    public synchronized SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) {
        requireRound(runId, round);
        int[] x = quantised;
        quantised = null;
        return SignedMaskedInput.sign(identity, runId, round, client.maskedInput(shares, x));
    }

    /**
     * Exchange 4: reveals the shares the coordinator asks for, once. Under distributed DP it first
     * checks that the sum will hold at least the round's m' noise shares: itself and the
     * neighbours said to have sent masked inputs (with every client a neighbour, as at the usual
     * drop-out tolerance, that is every survivor; with fewer neighbours the check is stricter than
     * needed, never weaker).
     *
     * @throws IllegalStateException when told of fewer survivors than the noise was shared among
     */
    public synchronized UnmaskResponse unmask(String runId, int round, UnmaskRequest request) {
        requireRound(runId, round);
        if (request.survivors().size() + 1 < noiseShares) {
            throw new IllegalStateException(SecureRound.noiseShortfall(request.survivors().size() + 1, noiseShares)
                    + ": refusing to reveal shares");
        }
        return client.unmask(request);
    }

    /** SHA-256 of this client's self-mask seed in the current round, to check the one a round record publishes. */
    public synchronized byte[] maskSeedSha256(String runId, int round) {
        requireRound(runId, round);
        return client.maskSeedSha256();
    }

    private void requireRound(String runId, int round) {
        if (client == null || !runId.equals(this.runId) || round != this.round) {
            throw new IllegalStateException("no secure aggregation under way for run " + runId + " round " + round
                    + (client == null ? "" : " (this node is in run " + this.runId + " round " + this.round + ")"));
        }
    }
}
