package dev.mycel.inference.client;

import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;

/**
 * The wire under a {@link HopStream}: sends requests and waits for answers, one at a time. Every
 * failure comes out as {@link HopFailedException}, which is what triggers fail-over.
 */
interface SessionLink extends AutoCloseable {
    void send(SessionRequest request);

    /** The next answer, within the step timeout. */
    SessionResponse receive();

    /**
     * The next answer, as {@link #receive()}, running {@code onArrival} as soon as it starts
     * arriving, before it is decrypted and decoded (where the wire cannot tell, once it is in).
     */
    default SessionResponse receive(Runnable onArrival) {
        SessionResponse r = receive();
        onArrival.run();
        return r;
    }

    /**
     * Whether the session reaches the server's frame socket: only then are steps pushed to it by
     * the server before it (a server the client cannot reach there may be unreachable for its
     * neighbours too, and each failed push attempt costs that neighbour a connect timeout).
     */
    default boolean framed() {
        return false;
    }

    /**
     * Waits up to {@code wait} for an answer to start arriving, leaving the session open when
     * none does: false when the time ran out. Wires that cannot tell say true at once.
     */
    default boolean awaitAnswer(java.time.Duration wait) {
        return true;
    }

    /**
     * Ends the session when nothing is left in flight on it (every step answered, none
     * abandoned): wires that can carry another session keep the connection for the next one
     * with the same server; others just close.
     */
    default void closeForReuse() {
        close();
    }

    @Override
    void close();
}
