package dev.mycel.inference.client;

import dev.mycel.inference.server.BlockService;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * How a client reaches block servers: a gRPC channel for their {@code Info} call, and sessions
 * over the server's frame socket when it announces one (the fast path: a round trip per hop per
 * token without HTTP/2 or thread hand-offs), else, or when that socket cannot be reached, over a
 * gRPC stream. Tests reach servers in their own JVM through the package's other constructor.
 */
public final class ServerLinks {
    private static final Logger LOG = Logger.getLogger(ServerLinks.class.getName());
    /** A session socket that does not connect within this is taken as blocked. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Opens a session with a hop's server, whose failures all come out as {@link HopFailedException}. */
    interface Sessions {
        SessionLink open(Hop hop, Duration timeout);
    }

    private final Function<ServerEntry, Channel> channels;
    private final Sessions sessions;
    private final FramePool pool;

    /**
     * @param frames false to run every session over gRPC even where a frame socket is announced
     *               (for comparisons, and for networks that let only the gRPC port through)
     */
    public ServerLinks(TlsContexts tls, PeerChannels channels, boolean frames) {
        this(s -> channels.channel(s.peer(), s.host(), s.port()), new FramePool(), tls, channels, frames);
    }

    private ServerLinks(Function<ServerEntry, Channel> channels, FramePool pool, TlsContexts tls, PeerChannels peers,
                        boolean frames) {
        this.channels = channels;
        this.pool = pool;
        this.sessions = (hop, timeout) -> network(tls, peers, frames, pool, hop, timeout);
    }

    /** Links that reach servers some other way than the network: tests' servers in the same JVM. */
    ServerLinks(Function<ServerEntry, Channel> channels, Sessions sessions) {
        this.channels = channels;
        this.sessions = sessions;
        this.pool = null;
    }

    /** Closes the idle connections kept for reuse. */
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

    public Channel channel(ServerEntry server) {
        return channels.apply(server);
    }

    SessionLink session(Hop hop, Duration timeout) {
        return sessions.open(hop, timeout);
    }

    private static SessionLink network(TlsContexts tls, PeerChannels channels, boolean frames, FramePool pool, Hop hop,
                                       Duration timeout) {
        ServerEntry s = hop.server();
        int port = s.info().getSessionPort();
        if (!frames || port == 0) {
            return new GrpcSessionLink(hop, channels.channel(s.peer(), s.host(), s.port()), timeout);
        }
        FrameConnection idle = pool.take(s.peer(), s.host(), port);
        if (idle != null) {
            idle.timeout(timeout);
            return new FrameSessionLink(hop, idle, pool);
        }
        try {
            FrameConnection conn = FrameConnection.connect(tls, s.peer(), s.host(), port, BlockService.SESSION_PROTOCOL,
                    channels.limits().maxMessageBytes(), timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT);
            conn.timeout(timeout);
            return new FrameSessionLink(hop, conn, pool);
        } catch (IOException e) {
            // A firewall may let only the peer port through: the session still works over gRPC.
            LOG.fine(() -> "session socket " + s.host() + ":" + port + " of " + s.peer().shortString()
                    + " unreachable (" + e.getMessage() + "); using gRPC");
            return new GrpcSessionLink(hop, channels.channel(s.peer(), s.host(), s.port()), timeout);
        }
    }
}
