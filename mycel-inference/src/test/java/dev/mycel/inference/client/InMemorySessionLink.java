package dev.mycel.inference.client;

import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.server.BlockService;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.Caller;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Sessions with a {@link BlockService} in this JVM, with no socket, TLS or gRPC transport in
 * between: {@link GrpcSessionLink}'s stream handling, on a stream that goes straight into the
 * service's public {@code session} method (on the caller's thread, which computes the step).
 * Failures come out as {@link HopFailedException}, as on the other links: the server's errors
 * with their status, no answer within the timeout, a server that is gone.
 */
final class InMemorySessionLink {
    private InMemorySessionLink() {
    }

    /**
     * @param client    who the service sees calling (what TLS would have proven)
     * @param reachable false once the server is gone: sending fails as on a cut connection
     */
    static SessionLink open(Hop hop, BlockService service, PeerId client, Duration timeout, BooleanSupplier reachable) {
        return new GrpcSessionLink(hop, answers -> {
            // The service reads its caller from the gRPC context, as the network's authentication leaves it.
            Context context = Context.current().withValue(Caller.KEY, new Caller(client, "in-memory", 0));
            Context previous = context.attach();
            try {
                return cutWhenGone(service.session(answers), reachable);
            } finally {
                context.detach(previous);
            }
        }, timeout);
    }

    private static StreamObserver<SessionRequest> cutWhenGone(StreamObserver<SessionRequest> requests,
                                                              BooleanSupplier reachable) {
        return new StreamObserver<>() {
            @Override
            public void onNext(SessionRequest request) {
                if (!reachable.getAsBoolean()) {
                    throw Status.UNAVAILABLE.withDescription("the server is gone").asRuntimeException();
                }
                requests.onNext(request);
            }

            @Override
            public void onError(Throwable t) {
                requests.onError(t);
            }

            @Override
            public void onCompleted() {
                requests.onCompleted();
            }
        };
    }
}
