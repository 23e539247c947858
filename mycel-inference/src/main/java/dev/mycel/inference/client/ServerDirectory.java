package dev.mycel.inference.client;

import java.util.List;

/** Where a client finds block servers and reports those it caught lying. */
public interface ServerDirectory {
    /** The servers currently announcing blocks of the model. */
    List<ServerEntry> servers(byte[] model);

    /** Files a signed report that {@code liar} returned a wrong result. */
    void report(ServerEntry liar, String evidence);
}
