package dev.mycel.inference.client;

import dev.mycel.inference.server.BlockService;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * How a client reaches block servers: a gRPC channel for their {@code Info} call, and sessions
 * over the server's frame socket when it announces one (the fast path: a round trip per hop per
 * token without HTTP/2 or thread hand-offs), else, or when that socket cannot be reached, over a
 * gRPC stream.
 */
public final class ServerLinks {
    private static final Logger LOG = Logger.getLogger(ServerLinks.class.getName());
    /** A session socket that does not connect within this is taken as blocked. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private final TlsContexts tls;
    private final PeerChannels channels;
    private final boolean frames;

    /**
     * @param frames false to run every session over gRPC even where a frame socket is announced
     *               (for comparisons, and for networks that let only the gRPC port through)
     */
    public ServerLinks(TlsContexts tls, PeerChannels channels, boolean frames) {
        this.tls = tls;
        this.channels = channels;
        this.frames = frames;
    }

    public Channel channel(ServerEntry server) {
        return channels.channel(server.peer(), server.host(), server.port());
    }

    SessionLink session(Hop hop, Duration timeout) {
        ServerEntry s = hop.server();
        int port = s.info().getSessionPort();
        if (!frames || port == 0) {
            return new GrpcSessionLink(hop, channel(s), timeout);
        }
        try {
            FrameConnection conn = FrameConnection.connect(tls, s.peer(), s.host(), port, BlockService.SESSION_PROTOCOL,
                    channels.limits().maxMessageBytes(), timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT);
            conn.timeout(timeout);
            return new FrameSessionLink(hop, conn);
        } catch (IOException e) {
            // A firewall may let only the peer port through: the session still works over gRPC.
            LOG.fine(() -> "session socket " + s.host() + ":" + port + " of " + s.peer().shortString()
                    + " unreachable (" + e.getMessage() + "); using gRPC");
            return new GrpcSessionLink(hop, channel(s), timeout);
        }
    }
}
