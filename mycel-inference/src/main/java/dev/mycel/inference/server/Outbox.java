package dev.mycel.inference.server;

import dev.mycel.inference.proto.Failure;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.net.transport.frame.FrameConnection;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/** Where a session's answers go: a gRPC stream or a frame socket. */
interface Outbox {
    void send(SessionResponse response);

    /** Ends the session with an error the client can read. */
    void fail(Status status);

    /** Ends the session cleanly, after the client ended it. */
    void end();

    record GrpcOutbox(StreamObserver<SessionResponse> out) implements Outbox {
        @Override
        public void send(SessionResponse response) {
            out.onNext(response);
        }

        @Override
        public void fail(Status status) {
            try {
                out.onError(status.asRuntimeException());
            } catch (IllegalStateException alreadyClosed) {
                // the client went away first
            }
        }

        @Override
        public void end() {
            out.onCompleted();
        }
    }

    /**
     * Answers on a frame socket: written by the connection's own thread, or by a push
     * connection's thread for a pushed step (frames may be written from any thread). A failure
     * raised elsewhere (idle reaping, shutdown, a push thread) cuts the connection instead of
     * writing to it, which the client sees as the server gone.
     */
    record FrameOutbox(FrameConnection conn, Thread owner) implements Outbox {
        @Override
        public void send(SessionResponse response) {
            try {
                conn.write(response);
            } catch (IOException e) {
                conn.abort(); // the client is gone; the read loop ends the session
            }
        }

        @Override
        public void fail(Status status) {
            if (Thread.currentThread() == owner) {
                send(SessionResponse.newBuilder().setFailure(Failure.newBuilder().setCode(status.getCode().name())
                        .setMessage(status.getDescription() == null ? "" : status.getDescription())).build());
            } else {
                conn.abort();
            }
        }

        @Override
        public void end() {
            // the connection closes when the handler returns
        }
    }
}
