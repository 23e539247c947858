package dev.mycel.federated.round;

import dev.mycel.federated.proto.FederatedCoordinatorGrpc;
import dev.mycel.federated.proto.JoinCall;
import dev.mycel.federated.proto.JoinReply;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.Caller;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A coordinator's door for client nodes ({@code mycel fl serve}): a node joins the run by
 * calling {@code Join} with the port it serves {@code Federated} on; its id is its TLS
 * certificate's key and its host the connection's, so neither can be claimed for another node.
 * Joining closes when the run starts.
 */
public final class CoordinatorGrpcService extends FederatedCoordinatorGrpc.FederatedCoordinatorImplBase {
    /** A node that joined: where to reach it and how many examples it says it holds. */
    public record Member(PeerId peer, String host, int port, long examples) {
    }

    private final String runId;
    private final PeerId self;
    private final int rounds;
    private final int maxMembers;
    private final Map<PeerId, Member> members = new TreeMap<>();
    private boolean closed;

    public CoordinatorGrpcService(String runId, PeerId self, int rounds, int maxMembers) {
        this.runId = runId;
        this.self = self;
        this.rounds = rounds;
        this.maxMembers = maxMembers;
    }

    @Override
    public void join(JoinCall call, StreamObserver<JoinReply> out) {
        Caller caller = Caller.current();
        if (caller == null) {
            out.onError(Status.UNAUTHENTICATED.withDescription("no node id on this connection").asRuntimeException());
            return;
        }
        if (call.getPort() < 1 || call.getPort() > 65535) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("port " + call.getPort() + " is not a TCP port").asRuntimeException());
            return;
        }
        synchronized (this) {
            if (closed) {
                out.onError(Status.FAILED_PRECONDITION.withDescription("run " + runId + " has started; joining is closed")
                        .asRuntimeException());
                return;
            }
            if (!members.containsKey(caller.peer()) && members.size() >= maxMembers) {
                out.onError(Status.RESOURCE_EXHAUSTED.withDescription("run " + runId + " is full (" + maxMembers + " clients)")
                        .asRuntimeException());
                return;
            }
            members.put(caller.peer(), new Member(caller.peer(), caller.host(), call.getPort(), call.getExamples()));
            notifyAll();
        }
        out.onNext(JoinReply.newBuilder().setRunId(runId).setCoordinatorId(self.toString()).setRounds(rounds).build());
        out.onCompleted();
    }

    /** The nodes that joined so far, in node id order. */
    public synchronized List<Member> members() {
        return new ArrayList<>(members.values());
    }

    /** Waits until {@code count} nodes joined or the timeout passes; then closes joining and returns who joined. */
    public synchronized List<Member> awaitMembers(int count, java.time.Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (members.size() < count) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        closed = true;
        return new ArrayList<>(members.values());
    }
}
