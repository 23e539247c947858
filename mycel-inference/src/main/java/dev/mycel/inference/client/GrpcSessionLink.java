package dev.mycel.inference.client;

import dev.mycel.inference.proto.BlockServerGrpc;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A session over one bidirectional stream of the BlockServer service: a gRPC call, for servers
 * that announce no frame socket (or, in tests, the service in this JVM called directly).
 */
final class GrpcSessionLink implements SessionLink {
    private final Hop hop;
    private final Duration timeout;
    private final LinkedBlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<SessionRequest> requests;
    private boolean closed;

    GrpcSessionLink(Hop hop, Channel channel, Duration timeout) {
        // Answers are handed over on the transport's own thread: they are only queued for the
        // waiting caller, and skipping a second thread saves tens of microseconds per hop.
        this(hop, answers -> BlockServerGrpc.newStub(channel).withExecutor(Runnable::run).session(answers), timeout);
    }

    /**
     * A session on a stream that {@code open} starts, given where the answers go: a gRPC call,
     * or (tests) a service in this JVM called directly.
     */
    GrpcSessionLink(Hop hop, Function<StreamObserver<SessionResponse>, StreamObserver<SessionRequest>> open,
                    Duration timeout) {
        this.hop = hop;
        this.timeout = timeout;
        this.requests = open.apply(new StreamObserver<>() {
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
    }

    @Override
    public void send(SessionRequest r) {
        if (closed) {
            throw new HopFailedException(hop, "the session is closed", null);
        }
        try {
            synchronized (requests) {
                requests.onNext(r);
            }
        } catch (RuntimeException e) {
            close();
            throw new HopFailedException(hop, "sending failed: " + e.getMessage(), e);
        }
    }

    @Override
    public SessionResponse receive() {
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
            // the stream was already broken
        }
    }
}
