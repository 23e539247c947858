package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.util.List;

import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.FitReply;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client node as the coordinator reaches it: {@code Fit} over mycel-net's authenticated
 * connection to that node (the TLS handshake proves the node id), with the round's deadline as
 * the call's. The reply is returned as it came; the coordinator checks its run, round, sender,
 * signature and values.
 */
public final class RemoteFederatedClient implements FederatedClient {
    private final PeerId peer;
    private final String host;
    private final int port;
    private final PeerChannels channels;
    private final Duration deadline;
    private final Traffic traffic;

    public RemoteFederatedClient(PeerId peer, String host, int port, PeerChannels channels, Duration deadline) {
        this(peer, host, port, channels, deadline, new Traffic());
    }

    /** A client whose calls and replies are counted in {@code traffic}. */
    public RemoteFederatedClient(PeerId peer, String host, int port, PeerChannels channels, Duration deadline, Traffic traffic) {
        this.peer = peer;
        this.host = host;
        this.port = port;
        this.channels = channels;
        this.deadline = deadline;
        this.traffic = traffic;
    }

    /** One call with the round's deadline; a failed call becomes an IOException with the status, and both messages are counted. */
    private <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite> R call(Q request,
            java.util.function.BiFunction<FederatedGrpc.FederatedBlockingStub, Q, R> rpc) throws java.io.IOException {
        traffic.sent(request.getSerializedSize());
        R reply;
        try {
            reply = rpc.apply(FederatedGrpc.newBlockingStub(channels.channel(peer, host, port))
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), request);
        } catch (StatusRuntimeException e) {
            throw new java.io.IOException(e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : ": " + e.getStatus().getDescription()));
        }
        traffic.received(reply.getSerializedSize());
        return reply;
    }

    @Override
    public SignedKeys secureFit(SecureFitRequest request) throws Exception {
        return SecureMessages.keys(call(SecureMessages.secureFitCall(request), FederatedGrpc.FederatedBlockingStub::secureFit));
    }

    @Override
    public ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) throws Exception {
        return SecureMessages.shareKeys(call(SecureMessages.shareKeysCall(runId, round, neighbourKeys),
                FederatedGrpc.FederatedBlockingStub::shareKeys));
    }

    @Override
    public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
        return SecureMessages.maskedInput(call(SecureMessages.maskInputCall(runId, round, shares),
                FederatedGrpc.FederatedBlockingStub::maskInput));
    }

    @Override
    public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
        return SecureMessages.unmaskResponse(call(SecureMessages.unmaskCall(runId, round, request),
                FederatedGrpc.FederatedBlockingStub::unmask));
    }

    /** The port the client node serves on. */
    public int port() {
        return port;
    }

    @Override
    public String id() {
        return peer.toString();
    }

    @Override
    public SignedUpdate fit(FitRequest r) throws Exception {
        FitReply reply = call(SecureMessages.fitCall(r), FederatedGrpc.FederatedBlockingStub::fit);
        if (reply.getClientId().isEmpty()) {
            throw new java.io.IOException("the reply names no client");
        }
        ClientUpdate update = new ClientUpdate(reply.getClientId(), FloatBytes.decode(reply.getParameters(), "parameters"),
                reply.getNumExamples(), reply.getMetricsMap());
        return new SignedUpdate(reply.getRunId(), reply.getRound(), update, reply.getSignature().toByteArray());
    }
}
