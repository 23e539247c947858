package dev.mycel.net.transport.grpc;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A node's listening side: gRPC on Netty over TLS 1.3 with mutual authentication. Every
 * service sees only authenticated callers ({@link Caller}) that are within their rate limit;
 * messages above the size bound end the call before they are buffered.
 */
public final class NetServer implements AutoCloseable {
    /** Runs a call on the thread that read it: the connection's event loop. */
    private static final Executor INLINE = Runnable::run;

    private final Server server;
    private final RateLimitInterceptor rateLimit;

    private NetServer(Server server, RateLimitInterceptor rateLimit) {
        this.server = server;
        this.rateLimit = rateLimit;
    }

    /**
     * Binds and starts. Port 0 picks a free port ({@link #port()} tells which).
     *
     * @param executor where service code runs; null for gRPC's default pool. The methods an
     *                 {@link InlineService} lists run on the connection's thread instead.
     */
    public static NetServer start(NodeIdentity identity, TlsContexts tls, InetSocketAddress bind, NetLimits limits,
                                  List<BindableService> services, Executor executor) throws IOException {
        RateLimitInterceptor rateLimit = new RateLimitInterceptor(limits);
        AuthInterceptor auth = new AuthInterceptor();
        NettyServerBuilder b = NettyServerBuilder.forAddress(bind)
                .sslContext(tls.server())
                .maxInboundMessageSize(limits.maxMessageBytes())
                .maxInboundMetadataSize(16 * 1024)
                // A fixed window (gRPC would otherwise grow it up to 8 MiB on its own) keeps
                // it a hard bound on what a connection buffers.
                .flowControlWindow(limits.flowControlWindow())
                .maxConcurrentCallsPerConnection(limits.maxConcurrentCalls())
                .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTime(limits.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(limits.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // Clients ping at most every 10 s; faster pings are a misbehaving peer.
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .maxConnectionIdle(10, TimeUnit.MINUTES);
        if (executor != null) {
            b.executor(executor);
        }
        Set<String> inline = new HashSet<>();
        for (BindableService s : services) {
            if (s instanceof InlineService i) {
                inline.addAll(i.inlineMethods());
            }
        }
        if (!inline.isEmpty()) {
            b.callExecutor(new ServerCallExecutorSupplier() {
                @Override
                public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                    // null: the server's executor.
                    return inline.contains(call.getMethodDescriptor().getFullMethodName()) ? INLINE : null;
                }
            });
        }
        for (BindableService s : services) {
            // Interceptors run last-added first: authentication, then the rate limit.
            ServerServiceDefinition def = ServerInterceptors.intercept(s, rateLimit, auth);
            b.addService(def);
        }
        Server server = b.build().start();
        return new NetServer(server, rateLimit);
    }

    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /** Calls refused so far because their peer was over its rate limit. */
    public long rateLimited() {
        return rateLimit.refused.get();
    }

    /** Stops accepting, lets running calls finish for up to a second, then cuts them. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
