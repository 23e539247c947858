package dev.mycel.federated.sim;

import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * A simulated client's drop-outs: in the rounds a seeded draw picks (with chance {@code
 * dropout}), a call fails as a lost connection would, so the same clients drop in every repeat
 * of a run, in this JVM or in a fleet of processes. With secure aggregation the client leaves at
 * one of the four exchanges, drawn the same way: while training, after advertising its keys,
 * after sharing them (its pairwise masks are then removed through its neighbours' shares), or
 * after sending its masked input (it is in the sum; its neighbours reveal its seed). The first
 * draw decides the round either way, so a client drops in the same rounds with and without it.
 */
final class DroppingClient implements FederatedClient {
    private final FederatedClient inner;
    private final double dropout;
    private final long seed;
    private final IntConsumer onDrop;

    /** @param onDrop told the round number when the client is about to drop out of it (a coalition withdraws) */
    DroppingClient(FederatedClient inner, double dropout, long seed, IntConsumer onDrop) {
        this.inner = inner;
        this.dropout = dropout;
        this.seed = seed;
        this.onDrop = onDrop;
    }

    /** The exchange (0 to 3) at which the client with this seed and id drops out of the round, or -1. */
    static int dropStage(double dropout, long seed, int round, String id) {
        SplittableRandom fate = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * round) ^ id.hashCode());
        return dropout > 0 && fate.nextDouble() < dropout ? fate.nextInt(4) : -1;
    }

    private void dropAt(int round, int stage) throws IOException {
        int at = dropStage(dropout, seed, round, inner.id());
        if (at >= 0 && stage == 0) {
            onDrop.accept(round);
        }
        if (at == stage) {
            throw new IOException("connection lost (simulated drop-out)");
        }
    }

    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public SignedUpdate fit(FitRequest request) throws Exception {
        // A plain round has one exchange: a client drawn to drop leaves it, whatever its stage.
        if (dropStage(dropout, seed, request.round(), inner.id()) >= 0) {
            onDrop.accept(request.round());
            throw new IOException("connection lost (simulated drop-out)");
        }
        return inner.fit(request);
    }

    @Override
    public SignedKeys secureFit(SecureFitRequest request) throws Exception {
        dropAt(request.fit().round(), 0);
        return inner.secureFit(request);
    }

    @Override
    public ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) throws Exception {
        dropAt(round, 1);
        return inner.shareKeys(runId, round, neighbourKeys);
    }

    @Override
    public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
        dropAt(round, 2);
        return inner.maskedInput(runId, round, shares);
    }

    @Override
    public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
        dropAt(round, 3);
        return inner.unmask(runId, round, request);
    }
}
