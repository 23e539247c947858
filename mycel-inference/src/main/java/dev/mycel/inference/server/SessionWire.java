package dev.mycel.inference.server;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.inference.FrameMessages;
import dev.mycel.inference.proto.Push;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.frame.FrameHandler;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The wires a block server's sessions come on, each turned into calls on a {@link
 * ServerSession}: a gRPC stream, a connection to the frame socket ({@link
 * BlockService#SESSION_PROTOCOL}), and the push connections from the servers before this one
 * ({@link BlockService#PUSH_PROTOCOL}). Nothing here computes or decides; it reads, parses and
 * hands on, on the thread that read.
 */
final class SessionWire {
    private static final Logger LOG = Logger.getLogger(SessionWire.class.getName());

    /** Push connections wait this long for their next frame: well beyond how long senders reuse them. */
    private static final Duration PUSH_IDLE = Duration.ofMinutes(10);

    private final ServerState server;
    private final StepRunner runner;

    SessionWire(ServerState server, StepRunner runner) {
        this.server = server;
        this.runner = runner;
    }

    /** A session on a gRPC stream, answering on {@code out}; {@code who} names the client in logs. */
    StreamObserver<SessionRequest> grpcSession(StreamObserver<SessionResponse> out, String who) {
        ServerSession s = new ServerSession(server, runner, new Outbox.GrpcOutbox(out), who);
        return new StreamObserver<>() {
            @Override
            public void onNext(SessionRequest request) {
                // gRPC delivers one stream's messages one at a time and in order.
                if (request.hasEnd()) {
                    s.end();
                } else {
                    s.handle(request);
                }
            }

            @Override
            public void onError(Throwable t) {
                s.release();
            }

            @Override
            public void onCompleted() {
                s.end();
            }
        };
    }

    /**
     * Sessions on frame-socket connections: each frame one {@link SessionRequest}, each answer
     * one {@link SessionResponse}, read, computed and answered on the connection's own thread.
     * A session ended with {@code End} leaves the connection open for the next one, so a client
     * pays the TLS handshake once per server, not once per session.
     */
    FrameHandler sessionProtocol() {
        return conn -> {
            server.frameConnections.incrementAndGet();
            boolean reused = false;
            while (serveOne(conn, reused)) {
                reused = true;
            }
        };
    }

    /**
     * One session on {@code conn} ({@code reused}: after an earlier one); true when its client
     * ended it and the connection goes on.
     */
    private boolean serveOne(dev.mycel.net.transport.frame.FrameConnection conn, boolean reused) throws java.io.IOException {
        ServerSession s = new ServerSession(server, runner, new Outbox.FrameOutbox(conn, Thread.currentThread()),
                conn.caller().peer().shortString());
        boolean started = false;
        try {
            while (!s.done) {
                byte[] frame = conn.read();
                if (frame == null) {
                    s.end();
                    return false;
                }
                if (reused && !started) {
                    server.sessionsReused.incrementAndGet();
                }
                started = true;
                SessionRequest request;
                try {
                    request = FrameMessages.parse(frame, SessionRequest.parser());
                } catch (InvalidProtocolBufferException e) {
                    s.fail(Status.INVALID_ARGUMENT.withDescription("malformed session request: " + e.getMessage()));
                    return false;
                }
                if (request.hasEnd()) {
                    s.end();
                    return !server.closing;
                }
                s.handle(request);
            }
            return false;
        } finally {
            s.release();
        }
    }

    /**
     * Pushed steps from the server before this one in a route, handed to the session their
     * ticket names. A push for an unknown session is dropped (its client sends the step itself
     * once the wait is over); an undecodable frame ends the connection.
     */
    FrameHandler pushProtocol() {
        return conn -> {
            conn.timeout(PUSH_IDLE);
            PeerId from = conn.caller().peer();
            while (!server.closing) {
                byte[] frame = conn.read();
                if (frame == null) {
                    return;
                }
                Push push;
                try {
                    push = FrameMessages.parse(frame, Push.parser());
                } catch (InvalidProtocolBufferException e) {
                    LOG.fine(() -> "malformed push from " + from.shortString() + ": " + e.getMessage());
                    return;
                }
                ServerSession s = server.tickets.get(push.getTicket());
                if (s == null) {
                    LOG.fine(() -> "push from " + from.shortString() + " for no open session");
                    continue;
                }
                s.handlePush(push.getStep(), from);
            }
        };
    }
}
