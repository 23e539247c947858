package dev.mycel.net.transport.grpc;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.transport.Caller;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** Puts the TLS-proven caller into the call's context; a call without one is refused. */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> PORT_HEADER = Metadata.Key.of("mycel-port", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        PeerId peer;
        try {
            if (session == null) {
                throw new SSLPeerUnverifiedException("no TLS session");
            }
            peer = PeerTrustManager.peerOf(session);
        } catch (SSLPeerUnverifiedException | CertificateException e) {
            call.close(Status.UNAUTHENTICATED.withDescription("the caller proved no peer identity: " + e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String host = remote instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "";
        int port = 0;
        String portText = headers.get(PORT_HEADER);
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException ignored) {
                port = 0;
            }
            if (port < 0 || port > 65535) {
                port = 0;
            }
        }
        Context ctx = Context.current().withValue(Caller.KEY, new Caller(peer, host, port));
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
