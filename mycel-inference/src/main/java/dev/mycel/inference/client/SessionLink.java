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

    @Override
    void close();
}
