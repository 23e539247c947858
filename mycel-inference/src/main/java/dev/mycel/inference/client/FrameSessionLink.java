package dev.mycel.inference.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.inference.FrameMessages;
import dev.mycel.inference.proto.Failure;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.net.transport.frame.FrameConnection;
import io.grpc.Status;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * A session over a connection to the server's frame socket: the calling thread writes the step
 * and reads the answer itself, with no event loop or queue in between.
 */
final class FrameSessionLink implements SessionLink {
    private final Hop hop;
    private final FrameConnection conn;
    private final FramePool pool;
    private boolean closed;

    FrameSessionLink(Hop hop, FrameConnection conn) {
        this(hop, conn, null);
    }

    /** @param pool where the connection goes when the session ends cleanly (null: closed) */
    FrameSessionLink(Hop hop, FrameConnection conn, FramePool pool) {
        this.hop = hop;
        this.conn = conn;
        this.pool = pool;
    }

    @Override
    public void send(SessionRequest request) {
        if (closed) {
            throw new HopFailedException(hop, "the session is closed", null);
        }
        try {
            conn.write(request);
        } catch (IOException e) {
            close();
            throw new HopFailedException(hop, "sending failed: " + e.getMessage(), null);
        }
    }

    @Override
    public SessionResponse receive() {
        return receive(null);
    }

    @Override
    public SessionResponse receive(Runnable onArrival) {
        if (closed) {
            throw new HopFailedException(hop, "the session is closed", null);
        }
        byte[] frame;
        try {
            if (onArrival != null) {
                conn.awaitFrame();
                onArrival.run();
            }
            frame = conn.read();
        } catch (SocketTimeoutException e) {
            close();
            throw new HopFailedException(hop, "no answer in time: " + e.getMessage(), null);
        } catch (IOException e) {
            close();
            throw new HopFailedException(hop, "UNAVAILABLE: " + e.getMessage(), null);
        }
        if (frame == null) {
            close();
            throw new HopFailedException(hop, "UNAVAILABLE: the server ended the session", null);
        }
        SessionResponse r;
        try {
            r = FrameMessages.parse(frame, SessionResponse.parser());
        } catch (InvalidProtocolBufferException e) {
            close();
            throw new HopFailedException(hop, "the server sent a malformed answer: " + e.getMessage(), null);
        }
        if (r.hasFailure()) {
            close();
            Failure f = r.getFailure();
            Status s = status(f.getCode()).withDescription(f.getMessage());
            throw new HopFailedException(hop, s.getCode() + (f.getMessage().isEmpty() ? "" : ": " + f.getMessage()),
                    s.asRuntimeException());
        }
        return r;
    }

    private static Status status(String code) {
        try {
            return Status.fromCode(Status.Code.valueOf(code));
        } catch (IllegalArgumentException e) {
            return Status.UNKNOWN;
        }
    }

    @Override
    public boolean awaitAnswer(java.time.Duration wait) {
        if (closed) {
            return true;
        }
        try {
            return conn.awaitFrame(wait);
        } catch (IOException e) {
            return true; // the next read reports it
        }
    }

    @Override
    public boolean framed() {
        return true;
    }

    @Override
    public void closeForReuse() {
        if (closed) {
            return;
        }
        if (pool == null) {
            close();
            return;
        }
        closed = true;
        try {
            conn.write(END);
        } catch (IOException e) {
            conn.close();
            return;
        }
        ServerEntry s = hop.server();
        pool.give(s.peer(), s.host(), s.info().getSessionPort(), conn);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            conn.close();
        }
    }

    private static final SessionRequest END = SessionRequest.newBuilder()
            .setEnd(dev.mycel.inference.proto.End.getDefaultInstance()).build();
}
