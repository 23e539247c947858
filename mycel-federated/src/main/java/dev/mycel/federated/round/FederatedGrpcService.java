package dev.mycel.federated.round;

import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.FitCall;
import dev.mycel.federated.proto.FitReply;
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
        answer(call.getRunId(), call.getRound(), out, () -> SecureMessages.fitRequest(call), request -> {
            SignedUpdate s = local.fit(request);
            return FitReply.newBuilder().setRunId(s.runId()).setRound(s.round()).setClientId(s.update().clientId())
                    .setParameters(FloatBytes.encode(s.update().parameters())).setNumExamples(s.update().numExamples())
                    .putAllMetrics(s.update().metrics()).setSignature(com.google.protobuf.ByteString.copyFrom(s.signature()))
                    .build();
        });
    }

    @Override
    public void secureFit(dev.mycel.federated.proto.SecureFitCall call, StreamObserver<dev.mycel.federated.proto.SignedKeysMessage> out) {
        answer(call.getFit().getRunId(), call.getFit().getRound(), out, () -> SecureMessages.secureFitRequest(call),
                request -> SecureMessages.keys(local.secureFit(request)));
    }

    @Override
    public void shareKeys(dev.mycel.federated.proto.ShareKeysCall call, StreamObserver<dev.mycel.federated.proto.ShareKeysReply> out) {
        answer(call.getRunId(), call.getRound(), out, () -> SecureMessages.neighbours(call),
                keys -> SecureMessages.shareKeysReply(local.shareKeys(call.getRunId(), call.getRound(), keys)));
    }

    @Override
    public void maskInput(dev.mycel.federated.proto.MaskInputCall call, StreamObserver<dev.mycel.federated.proto.MaskedInputReply> out) {
        answer(call.getRunId(), call.getRound(), out, () -> SecureMessages.forwarded(call),
                shares -> SecureMessages.maskedInputReply(local.maskedInput(call.getRunId(), call.getRound(), shares)));
    }

    @Override
    public void unmask(dev.mycel.federated.proto.UnmaskCall call, StreamObserver<dev.mycel.federated.proto.UnmaskReply> out) {
        answer(call.getRunId(), call.getRound(), out, () -> SecureMessages.unmaskRequest(call),
                request -> SecureMessages.unmaskReply(local.unmask(call.getRunId(), call.getRound(), request)));
    }

    private interface Work<Q, R> {
        R apply(Q request) throws Exception;
    }

    /**
     * The shape of every call: only the coordinator may make it; a malformed call is refused as
     * INVALID_ARGUMENT, a protocol refusal (a bad signature, a step out of order) as
     * FAILED_PRECONDITION, anything else as INTERNAL, each with the reason.
     */
    private <Q, R> void answer(String runId, int round, StreamObserver<R> out, java.util.function.Supplier<Q> decode,
                               Work<Q, R> work) {
        if (!allowed()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("this node trains only for coordinator " + coordinator)
                    .asRuntimeException());
            return;
        }
        Q request;
        try {
            request = decode.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
            return;
        }
        R reply;
        try {
            reply = work.apply(request);
        } catch (dev.mycel.federated.secagg.SecAggException | IllegalArgumentException | IllegalStateException e) {
            out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (java.io.IOException e) {
            // A lost connection or a simulated drop-out: expected in federated runs, no stack trace.
            LOG.log(Level.FINE, "round " + round + " of run " + runId + " failed here: " + e.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (Exception e) {
            LOG.log(Level.INFO, "round " + round + " of run " + runId + " failed here", e);
            out.onError(Status.INTERNAL.withDescription("local training failed: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }
}
