package dev.mycel.inference.client;

import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.server.BlockService;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.Caller;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A session with a {@link BlockService} in this JVM, with no socket, TLS or gRPC transport in
 * between: requests go straight into the service's public {@code session} stream (on the
 * caller's thread, which computes the step), answers come back through an observer into a
 * queue. Failures come out as {@link HopFailedException}, as on the other links: the server's
 * errors with their status, no answer within the timeout, a server that is gone.
 */
final class InMemorySessionLink implements SessionLink {
    private final Hop hop;
    private final Duration timeout;
    private final BooleanSupplier reachable;
    private final LinkedBlockingDeque<Object> responses = new LinkedBlockingDeque<>();
    private final StreamObserver<SessionRequest> requests;
    private boolean closed;

    /**
     * @param client    who the service sees calling (what TLS would have proven)
     * @param reachable false once the server is gone: sending fails as on a cut connection
     */
    InMemorySessionLink(Hop hop, BlockService service, PeerId client, Duration timeout, BooleanSupplier reachable) {
        this.hop = hop;
        this.timeout = timeout;
        this.reachable = reachable;
        // The service reads its caller from the gRPC context, as the network's authentication leaves it.
        Context context = Context.current().withValue(Caller.KEY, new Caller(client, "in-memory", 0));
        Context previous = context.attach();
        try {
            this.requests = service.session(new StreamObserver<>() {
                @Override
                public void onNext(SessionResponse r) {
                    responses.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    responses.add(t);
                }

                @Override
                public void onCompleted() {
                    responses.add(Status.UNAVAILABLE.withDescription("the server ended the session").asRuntimeException());
                }
            });
        } finally {
            context.detach(previous);
        }
    }

    @Override
    public void send(SessionRequest request) {
        if (closed) {
            throw new HopFailedException(hop, "the session is closed", null);
        }
        if (!reachable.getAsBoolean()) {
            close();
            throw new HopFailedException(hop, "sending failed: UNAVAILABLE: the server is gone", null);
        }
        try {
            synchronized (requests) {
                requests.onNext(request);
            }
        } catch (RuntimeException e) {
            close();
            throw new HopFailedException(hop, "sending failed: " + e.getMessage(), e);
        }
    }

    @Override
    public SessionResponse receive() {
        if (closed) {
            throw new HopFailedException(hop, "the session is closed", null);
        }
        Object o;
        try {
            o = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new HopFailedException(hop, "interrupted", e);
        }
        if (o == null) {
            close();
            throw new HopFailedException(hop, "no answer within " + timeout.toMillis() + " ms", null);
        }
        if (o instanceof Throwable t) {
            closed = true;
            Status s = Status.fromThrowable(t);
            throw new HopFailedException(hop, s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()),
                    t instanceof StatusRuntimeException sre ? sre : null);
        }
        return (SessionResponse) o;
    }

    @Override
    public boolean awaitAnswer(Duration wait) {
        if (closed) {
            return true;
        }
        try {
            Object o = responses.pollFirst(wait.toNanos(), TimeUnit.NANOSECONDS);
            if (o == null) {
                return false;
            }
            responses.addFirst(o);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // the next receive reports it
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            synchronized (requests) {
                requests.onCompleted();
            }
        } catch (RuntimeException ignored) {
            // the session was already over
        }
    }
}
