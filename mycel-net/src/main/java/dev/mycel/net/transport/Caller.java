package dev.mycel.net.transport;

import dev.mycel.net.identity.PeerId;
import io.grpc.Context;

/**
 * Who is calling: the peer id its TLS certificate proved, and the address it says it listens
 * on (its connection's host with the port from the {@code mycel-port} header; 0 when it does
 * not listen). Services read it with {@link #current()}.
 */
public record Caller(PeerId peer, String host, int listenPort) {
    /**
     * Where the gRPC transport's authentication ({@code transport.grpc.AuthInterceptor}) puts the
     * proven caller in each call's context; services read it with {@link #current()}.
     */
    public static final Context.Key<Caller> KEY = Context.key("mycel-caller");

    /** The caller of the gRPC call being handled on this thread. */
    public static Caller current() {
        Caller c = KEY.get();
        if (c == null) {
            throw new IllegalStateException("no authenticated caller: not inside a call on a NetServer");
        }
        return c;
    }
}
