package dev.mycel.federated.round;

import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.FitCall;
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

    public RemoteFederatedClient(PeerId peer, String host, int port, PeerChannels channels, Duration deadline) {
        this.peer = peer;
        this.host = host;
        this.port = port;
        this.channels = channels;
        this.deadline = deadline;
    }

    @Override
    public String id() {
        return peer.toString();
    }

    @Override
    public SignedUpdate fit(FitRequest r) throws Exception {
        FitCall call = FitCall.newBuilder().setRunId(r.runId()).setRound(r.round()).setGlobal(FloatBytes.encode(r.global()))
                .setLocalEpochs(r.config().localEpochs()).setBatchSize(r.config().batchSize())
                .setLearningRate(r.config().learningRate()).setProximalMu(r.config().proximalMu()).build();
        FitReply reply;
        try {
            reply = FederatedGrpc.newBlockingStub(channels.channel(peer, host, port))
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).fit(call);
        } catch (StatusRuntimeException e) {
            throw new java.io.IOException(e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : ": " + e.getStatus().getDescription()));
        }
        if (reply.getClientId().isEmpty()) {
            throw new java.io.IOException("the reply names no client");
        }
        ClientUpdate update = new ClientUpdate(reply.getClientId(), FloatBytes.decode(reply.getParameters(), "parameters"),
                reply.getNumExamples(), reply.getMetricsMap());
        return new SignedUpdate(reply.getRunId(), reply.getRound(), update, reply.getSignature().toByteArray());
    }
}
