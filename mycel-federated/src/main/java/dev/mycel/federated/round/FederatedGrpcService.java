package dev.mycel.federated.round;

import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.FitCall;
import dev.mycel.federated.proto.FitReply;
import dev.mycel.federated.strategy.RoundConfig;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.Caller;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A client node's side of federated learning: answers a coordinator's {@code Fit} by training
 * its own {@link FederatedClient} (its data stays here) and returning the signed update. Only
 * the coordinator it was told to follow may call it (the caller's node id comes from the TLS
 * certificate, so it cannot be claimed); a malformed call is refused with a clear status.
 */
public final class FederatedGrpcService extends FederatedGrpc.FederatedImplBase {
    private static final Logger LOG = Logger.getLogger(FederatedGrpcService.class.getName());

    private final FederatedClient local;
    private volatile PeerId coordinator;
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

    /** @param coordinator the only node allowed to call; null to accept any authenticated node (until {@link #follow}) */
    public FederatedGrpcService(FederatedClient local, PeerId coordinator) {
        this.local = Objects.requireNonNull(local);
        this.coordinator = coordinator;
    }

    /** From now on only {@code coordinator} may call (set when joining its run). */
    public void follow(PeerId coordinator) {
        this.coordinator = Objects.requireNonNull(coordinator);
    }

    /** Waits until the coordinator ends the run; false on timeout. */
    public boolean awaitEnd(java.time.Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void end(dev.mycel.federated.proto.EndCall call, StreamObserver<dev.mycel.federated.proto.EndReply> out) {
        if (!allowed()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("only the coordinator ends its run").asRuntimeException());
            return;
        }
        ended.countDown();
        out.onNext(dev.mycel.federated.proto.EndReply.getDefaultInstance());
        out.onCompleted();
    }

    private boolean allowed() {
        PeerId c = coordinator;
        Caller caller = Caller.current();
        return c == null || caller != null && c.equals(caller.peer());
    }

    @Override
    public void fit(FitCall call, StreamObserver<FitReply> out) {
        if (!allowed()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("this node trains only for coordinator " + coordinator)
                    .asRuntimeException());
            return;
        }
        FitRequest request;
        try {
            if (call.getRunId().isEmpty()) {
                throw new IllegalArgumentException("a fit call needs a run id");
            }
            RoundConfig config = new RoundConfig(call.getRound(), call.getLocalEpochs(), call.getBatchSize(),
                    call.getLearningRate(), call.getProximalMu());
            request = new FitRequest(call.getRunId(), call.getRound(), FloatBytes.decode(call.getGlobal(), "global"), config);
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        SignedUpdate s;
        try {
            s = local.fit(request);
        } catch (Exception e) {
            LOG.log(Level.INFO, "round " + call.getRound() + " of run " + call.getRunId() + " failed here", e);
            out.onError(Status.INTERNAL.withDescription("local training failed: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(FitReply.newBuilder().setRunId(s.runId()).setRound(s.round()).setClientId(s.update().clientId())
                .setParameters(FloatBytes.encode(s.update().parameters())).setNumExamples(s.update().numExamples())
                .putAllMetrics(s.update().metrics()).setSignature(com.google.protobuf.ByteString.copyFrom(s.signature()))
                .build());
        out.onCompleted();
    }
}
