package dev.mycel.net.transport.grpc;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Outgoing connections, one per (peer, address), reused by every call and closed when the
 * least recently used of them must make room. A channel to a known peer id refuses any server
 * that cannot prove that id; a channel to a bare address (bootstrap) accepts whoever proves a key.
 */
public final class PeerChannels implements AutoCloseable {
    private final TlsContexts tls;
    private final NetLimits limits;
    private final int maxChannels;
    private volatile int advertisedPort;
    private final LinkedHashMap<String, ManagedChannel> channels = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    public PeerChannels(TlsContexts tls, NetLimits limits, int maxChannels) {
        this.tls = tls;
        this.limits = limits;
        this.maxChannels = maxChannels;
    }

    /** The port sent to every callee in the {@code mycel-port} header so it can call back. */
    public void advertisePort(int port) {
        this.advertisedPort = port;
    }

    public NetLimits limits() {
        return limits;
    }

    /** A channel to {@code peer} at host:port; {@code peer} may be null for a bootstrap address. */
    public Channel channel(PeerId peer, String host, int port) {
        String key = (peer == null ? "?" : peer.toString()) + "@" + host + ":" + port;
        ManagedChannel evicted = null;
        ManagedChannel ch;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the node is shutting down");
            }
            ch = channels.get(key);
            if (ch == null || ch.isShutdown()) {
                ch = NettyChannelBuilder.forAddress(host, port)
                        .sslContext(tls.client(peer))
                        .maxInboundMessageSize(limits.maxMessageBytes())
                        .maxInboundMetadataSize(16 * 1024)
                        .flowControlWindow(limits.flowControlWindow())
                        .keepAliveTime(limits.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                        .keepAliveTimeout(limits.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .idleTimeout(5, TimeUnit.MINUTES)
                        .intercept(new PortHeader())
                        .build();
                channels.put(key, ch);
                if (channels.size() > maxChannels) {
                    Map.Entry<String, ManagedChannel> eldest = channels.entrySet().iterator().next();
                    evicted = eldest.getValue();
                    channels.remove(eldest.getKey());
                }
            }
        }
        if (evicted != null) {
            evicted.shutdown();
        }
        return ch;
    }

    /** Drops the connection to a peer that failed, so the next call dials afresh. */
    public void forget(PeerId peer, String host, int port) {
        ManagedChannel ch;
        synchronized (this) {
            ch = channels.remove((peer == null ? "?" : peer.toString()) + "@" + host + ":" + port);
        }
        if (ch != null) {
            ch.shutdownNow();
        }
    }

    @Override
    public void close() {
        Map<String, ManagedChannel> all;
        synchronized (this) {
            closed = true;
            all = new LinkedHashMap<>(channels);
            channels.clear();
        }
        all.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel ch : all.values()) {
            try {
                ch.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class PortHeader implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    int port = advertisedPort;
                    if (port > 0) {
                        headers.put(AuthInterceptor.PORT_HEADER, Integer.toString(port));
                    }
                    super.start(listener, headers);
                }
            };
        }
    }
}
