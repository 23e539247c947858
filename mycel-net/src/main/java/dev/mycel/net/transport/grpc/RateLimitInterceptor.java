package dev.mycel.net.transport.grpc;

import dev.mycel.net.transport.Caller;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;

/** Refuses calls beyond a peer's rate with RESOURCE_EXHAUSTED; runs after {@link AuthInterceptor}. */
final class RateLimitInterceptor implements ServerInterceptor {
    private final RateLimiter limiter;
    private final String description;
    final AtomicLong refused = new AtomicLong();

    RateLimitInterceptor(NetLimits limits) {
        this.limiter = new RateLimiter(limits.requestsPerSecond(), limits.requestBurst());
        this.description = "rate limit: " + limits.requestsPerSecond() + " calls per second per peer (burst "
                + limits.requestBurst() + "); slow down and retry";
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!limiter.tryAcquire(Caller.current().peer())) {
            refused.incrementAndGet();
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(description), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }
}
