package dev.mycel.net.tls;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;

/**
 * TLS 1.3 only, mutual authentication always, each side presenting its identity certificate.
 * The JDK's TLS stack is used because it signs handshakes with Ed25519 keys (RFC 8446's
 * {@code ed25519} scheme) with no native library.
 */
public final class TlsContexts {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3");
    private static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private final KeyManagerFactory keyManagers;

    public TlsContexts(NodeIdentity identity) {
        this.keyManagers = keyManagers(identity, PeerCertificates.selfSigned(identity));
    }

    /** For tests of impersonation: present {@code certificate} (whose key may not be ours). */
    public TlsContexts(NodeIdentity identity, X509Certificate certificate) {
        this.keyManagers = keyManagers(identity, certificate);
    }

    private static KeyManagerFactory keyManagers(NodeIdentity identity, X509Certificate cert) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("node", identity.keyPair().getPrivate(), pw, new X509Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not load the node key into TLS", e);
        }
    }

    /**
     * A plain JDK TLS 1.3 context with the same identity and trust rules, for sockets outside
     * gRPC (bulk tensor transfer): {@code expected} is the peer that must answer, or null on the
     * accepting side, where the peer's id is read from the session.
     */
    public javax.net.ssl.SSLContext jdkContext(PeerId expected) {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            ctx.init(keyManagers.getKeyManagers(), new javax.net.ssl.TrustManager[] {new PeerTrustManager(expected)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not set up TLS", e);
        }
    }

    /** The protocols and cipher suites every Mycel TLS connection uses. */
    public static String[] protocols() {
        return PROTOCOLS.toArray(String[]::new);
    }

    public static String[] ciphers() {
        return CIPHERS.toArray(String[]::new);
    }

    /** The server side: accepts any peer that proves its key; the caller's id is read per call. */
    public SslContext server() {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManagers), SslProvider.JDK)
                    .protocols(PROTOCOLS).ciphers(CIPHERS)
                    .trustManager(new PeerTrustManager(null))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException("could not set up TLS", e);
        }
    }

    /** The client side, dialling {@code expected} (or, with null, whoever answers and proves a key). */
    public SslContext client(PeerId expected) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                    .keyManager(keyManagers)
                    .protocols(PROTOCOLS).ciphers(CIPHERS)
                    .trustManager(new PeerTrustManager(expected))
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException("could not set up TLS", e);
        }
    }
}
