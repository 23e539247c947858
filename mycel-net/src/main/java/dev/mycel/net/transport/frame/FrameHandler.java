package dev.mycel.net.transport.frame;

import java.io.IOException;

/**
 * Serves one connection of a {@link FrameServer} protocol: reads and writes frames until the
 * conversation ends. Runs on the connection's own thread, so it may block; the connection is
 * closed when it returns or throws.
 */
@FunctionalInterface
public interface FrameHandler {
    void serve(FrameConnection connection) throws IOException;
}
