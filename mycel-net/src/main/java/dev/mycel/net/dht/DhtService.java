package dev.mycel.net.dht;

import dev.mycel.net.proto.AddProviderRequest;
import dev.mycel.net.proto.AddProviderResponse;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.FindNodeRequest;
import dev.mycel.net.proto.FindNodeResponse;
import dev.mycel.net.proto.FindValueRequest;
import dev.mycel.net.proto.FindValueResponse;
import dev.mycel.net.proto.GetProvidersRequest;
import dev.mycel.net.proto.GetProvidersResponse;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.proto.PingResponse;
import dev.mycel.net.proto.StoreRequest;
import dev.mycel.net.proto.StoreResponse;
import dev.mycel.net.transport.Caller;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The callee side of the DHT: answers lookups from the routing table and checks what it is asked to store. */
final class DhtService extends DhtGrpc.DhtImplBase {
    private final DhtNode node;

    DhtService(DhtNode node) {
        this.node = node;
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingResponse> out) {
        node.heardFrom(Caller.current());
        out.onNext(PingResponse.newBuilder().setPeerKey(ByteString.copyFrom(node.id().rawKey())).build());
        out.onCompleted();
    }

    @Override
    public void findNode(FindNodeRequest request, StreamObserver<FindNodeResponse> out) {
        DhtKey target = key(request.getTarget(), out);
        if (target == null) {
            return;
        }
        node.heardFrom(Caller.current());
        out.onNext(FindNodeResponse.newBuilder().addAllCloser(closer(target)).build());
        out.onCompleted();
    }

    @Override
    public void findValue(FindValueRequest request, StreamObserver<FindValueResponse> out) {
        DhtKey key = key(request.getKey(), out);
        if (key == null) {
            return;
        }
        node.heardFrom(Caller.current());
        FindValueResponse.Builder b = FindValueResponse.newBuilder().addAllCloser(closer(key));
        node.store().value(key).ifPresent(b::setRecord);
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void store(StoreRequest request, StreamObserver<StoreResponse> out) {
        keep(() -> node.store().putValue(request.getRecord()), StoreResponse.getDefaultInstance(), out);
    }

    /**
     * Stores a provider record once its address is bound to the provider, which may take a call
     * back to that address: the answer is sent when the check ends, off the calling thread.
     */
    @Override
    public void addProvider(AddProviderRequest request, StreamObserver<AddProviderResponse> out) {
        Caller caller = Caller.current();
        node.heardFrom(caller);
        node.takeProvider(request.getRecord(), caller).whenComplete((ok, failure) -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : failure;
            if (cause == null) {
                out.onNext(AddProviderResponse.getDefaultInstance());
                out.onCompleted();
            } else if (cause instanceof RecordRefusedException e) {
                node.refused(e);
                out.onError(Status.INVALID_ARGUMENT.withDescription("record refused: " + e.getMessage()).asRuntimeException());
            } else if (cause instanceof DhtNode.BusyException e) {
                out.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
            } else {
                out.onError(Status.INTERNAL.withDescription("provider record not stored: " + cause).asRuntimeException());
            }
        });
    }

    private interface Keep {
        void run() throws RecordRefusedException;
    }

    /** Stores a record for the caller; a refused record ends the call with the reason. */
    private <R> void keep(Keep keep, R response, StreamObserver<R> out) {
        node.heardFrom(Caller.current());
        try {
            keep.run();
        } catch (RecordRefusedException e) {
            node.refused(e);
            out.onError(Status.INVALID_ARGUMENT.withDescription("record refused: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }

    @Override
    public void getProviders(GetProvidersRequest request, StreamObserver<GetProvidersResponse> out) {
        DhtKey key = key(request.getKey(), out);
        if (key == null) {
            return;
        }
        node.heardFrom(Caller.current());
        out.onNext(GetProvidersResponse.newBuilder().addAllProviders(node.store().providers(key))
                .addAllCloser(closer(key)).build());
        out.onCompleted();
    }

    private List<dev.mycel.net.proto.Contact> closer(DhtKey target) {
        return ContactCodec.toProto(node.routingTable().closest(target, node.config().k()));
    }

    private static DhtKey key(ByteString bytes, StreamObserver<?> out) {
        if (bytes.size() != DhtKey.BYTES) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("a DHT key has 32 bytes, got " + bytes.size()).asRuntimeException());
            return null;
        }
        return DhtKey.of(bytes.toByteArray());
    }
}
