package dev.mycel.net.transport.frame;

import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Message streams outside gRPC, for conversations where every microsecond of a round trip
 * counts (a step of distributed inference crosses one per hop per token). Each connection is
 * TLS 1.3 with mutual authentication, as on gRPC ({@link TlsAcceptor}), and carries one
 * protocol, named by the client when it connects; after that each side sends frames: a four-byte
 * little-endian length, then that many bytes. No HTTP/2, no event loop between the socket and
 * the handler, and no hand-off between threads: the handler reads, works and answers on the
 * connection's own thread (see docs/BENCHMARKS.md for what gRPC's path costs on a step).
 *
 * <p>The preamble: the client sends the magic {@code MYF1}, one byte of length and the
 * protocol's ASCII name; the server answers one byte, 0 when it speaks the protocol, or 1, a
 * two-byte length and a UTF-8 reason when it does not (and closes).
 */
public final class FrameServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FrameServer.class.getName());
    static final int MAGIC = 0x3146594d; // "MYF1" read little-endian
    static final int MAX_PROTOCOL_NAME = 64;

    private final Map<String, FrameHandler> protocols;
    private final FrameLimits limits;
    private TlsAcceptor acceptor;

    private FrameServer(Map<String, FrameHandler> protocols, FrameLimits limits) {
        this.protocols = new TreeMap<>(protocols);
        this.limits = limits;
    }

    /** Binds (port 0 picks a free one) and serves the given protocols, by name. */
    public static FrameServer start(TlsContexts tls, InetSocketAddress bind, Map<String, FrameHandler> protocols,
                                    FrameLimits limits) throws IOException {
        for (String name : protocols.keySet()) {
            if (name.isEmpty() || name.length() > MAX_PROTOCOL_NAME || !name.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new IllegalArgumentException("a protocol name is 1-" + MAX_PROTOCOL_NAME
                        + " printable ASCII characters, got \"" + name + "\"");
            }
        }
        FrameServer server = new FrameServer(protocols, limits);
        server.acceptor = TlsAcceptor.start(tls, bind, limits.maxConnections(), limits.maxConnectionsPerPeer(),
                limits.handshakeTimeout(), limits.idleTimeout(), "frames", server::serve);
        return server;
    }

    public int port() {
        return acceptor.port();
    }

    private void serve(TlsConnection conn, Caller caller) {
        FrameConnection c = new FrameConnection(conn, caller.peer(), caller, limits.maxFrameBytes());
        String protocol;
        FrameHandler handler;
        try {
            conn.timeout(limits.handshakeTimeout());
            protocol = FrameConnection.readPreamble(conn);
            handler = protocol == null ? null : protocols.get(protocol);
            if (handler == null) {
                FrameConnection.refuse(conn, protocol == null ? "not a Mycel frame stream (bad preamble)"
                        : "this node does not speak " + protocol + "; it speaks " + protocols.keySet());
                return;
            }
            FrameConnection.accept(conn);
            conn.timeout(limits.idleTimeout());
        } catch (IOException e) {
            LOG.fine(() -> "frame preamble from " + caller.peer().shortString() + " failed: " + e.getMessage());
            return;
        }
        try {
            handler.serve(c);
        } catch (IOException e) {
            LOG.fine(() -> protocol + " connection from " + caller.peer().shortString() + " ended: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, protocol + " handler failed for " + caller.peer().shortString() + ": " + e, e);
        }
    }

    @Override
    public void close() {
        acceptor.close();
    }

    /** For tests: connections being served now. */
    int openConnections() {
        return acceptor.openConnections();
    }
}
