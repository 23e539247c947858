package dev.mycel.net.tls;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * TLS 1.3 only, mutual authentication always, each side presenting its {@link PeerCertificate}
 * and checking the other's with {@link PeerTrustManager}. The TLS engine is BoringSSL, which
 * grpc-netty-shaded bundles (netty-tcnative), when it loads on this platform: its record layer
 * costs 0.4-0.7 of the JDK provider's CPU per byte (docs/BENCHMARKS.md), and CPU per byte is what
 * limits tensor throughput. Where it does not load, the JDK's provider does the same handshakes,
 * slower; the two interoperate.
 */
public final class TlsContexts {
    private static final Logger LOG = Logger.getLogger(TlsContexts.class.getName());
    private static final List<String> PROTOCOLS = List.of("TLSv1.3");
    /** AES-128-GCM first: as safe as AES-256 here and cheaper per byte; ChaCha20 for CPUs without AES. */
    private static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    /**
     * Which engine to use, decided on a thread of its own as soon as this class is first touched:
     * loading BoringSSL (netty-tcnative extracts and links its library, then probes it) takes about
     * a second on a small machine, as long as issuing the node's certificate, and the two overlap.
     */
    private static final CompletableFuture<SslProvider> DEFAULT_PROVIDER =
            CompletableFuture.supplyAsync(TlsContexts::chooseProvider);

    /** Client contexts kept, one per peer (see {@link #client}). */
    static final int CLIENT_CONTEXTS = 256;

    private final PeerCertificate own;
    private final SslProvider provider;
    private final Map<String, SslContext> clients = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SslContext> eldest) {
            return size() > CLIENT_CONTEXTS;
        }
    };

    public TlsContexts(NodeIdentity identity) {
        this(PeerCertificates.issue(identity), DEFAULT_PROVIDER.join());
    }

    /** Presents {@code own}, which tests of impersonation may have forged. */
    public TlsContexts(PeerCertificate own) {
        this(own, DEFAULT_PROVIDER.join());
    }

    /**
     * Starts loading the TLS engine now, in the background, for a process that will need TLS
     * soon and has other work to do first (a command joining the network).
     */
    public static void warmUp() {
        DEFAULT_PROVIDER.isDone();
    }

    /** With a given engine: {@link SslProvider#OPENSSL} (BoringSSL) or {@link SslProvider#JDK}. */
    public TlsContexts(PeerCertificate own, SslProvider provider) {
        if (provider != SslProvider.OPENSSL && provider != SslProvider.JDK) {
            throw new IllegalArgumentException("TLS provider must be OPENSSL or JDK, got " + provider);
        }
        if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("BoringSSL is not available here", OpenSsl.unavailabilityCause());
        }
        this.own = own;
        this.provider = provider;
    }

    private static SslProvider chooseProvider() {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        LOG.info(() -> "BoringSSL did not load (" + OpenSsl.unavailabilityCause() + "); TLS runs on the JDK's provider,"
                + " at more CPU per byte");
        return SslProvider.JDK;
    }

    /** The engine this process uses unless told otherwise: OPENSSL where BoringSSL loads, else JDK. */
    public static SslProvider defaultProvider() {
        return DEFAULT_PROVIDER.join();
    }

    public SslProvider provider() {
        return provider;
    }

    /** The certificate this node presents. */
    public PeerCertificate certificate() {
        return own;
    }

    /** The protocols and cipher suites every Mycel TLS connection uses. */
    public static String[] protocols() {
        return PROTOCOLS.toArray(String[]::new);
    }

    public static String[] ciphers() {
        return CIPHERS.toArray(String[]::new);
    }

    /** gRPC's server side: accepts any peer that proves its key; the caller's id is read per call. */
    public SslContext server() {
        return build(GrpcSslContexts.configure(SslContextBuilder.forServer(own.key(), own.certificate()), provider), null, true);
    }

    /**
     * gRPC's client side, dialling {@code expected} (or, with null, whoever answers and proves a
     * key). Contexts are kept for the {@link #CLIENT_CONTEXTS} peers dialled most recently: a
     * BoringSSL context holds native memory until the collector finds it, and building one for
     * every new channel cost that plus a millisecond or so of set-up.
     */
    public SslContext client(PeerId expected) {
        String key = expected == null ? "" : expected.toString();
        synchronized (clients) {
            SslContext ctx = clients.get(key);
            if (ctx == null) {
                ctx = build(GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
                        .keyManager(own.key(), own.certificate()), expected, false);
                clients.put(key, ctx);
            }
            return ctx;
        }
    }

    /** A server context for connections outside gRPC (no ALPN): the bulk tensor socket. */
    public SslContext plainServer() {
        return build(SslContextBuilder.forServer(own.key(), own.certificate()).sslProvider(provider), null, true);
    }

    /** A client context for connections outside gRPC, insisting on {@code expected} unless it is null. */
    public SslContext plainClient(PeerId expected) {
        return build(SslContextBuilder.forClient().keyManager(own.key(), own.certificate()).sslProvider(provider),
                expected, false);
    }

    private SslContext build(SslContextBuilder b, PeerId expected, boolean server) {
        PeerTrustManager peers = new PeerTrustManager(expected);
        // BoringSSL sends internal_error for a refusal unless told the alert (BoringSslTrustManager).
        b.protocols(PROTOCOLS).ciphers(CIPHERS).trustManager(provider == SslProvider.OPENSSL ? new BoringSslTrustManager(peers) : peers);
        if (server) {
            b.clientAuth(ClientAuth.REQUIRE);
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("could not set up TLS", e);
        }
    }

    /**
     * A JDK TLS 1.3 context with the same certificate and trust rules, for code that wants a
     * plain {@link javax.net.ssl.SSLSocket} (tests, tools): {@code expected} is the peer that
     * must answer, or null. Set {@link #protocols()} and {@link #ciphers()} on its sockets: the
     * JDK offers AES-256 first, and a BoringSSL server follows the client's order.
     */
    public SSLContext jdkContext(PeerId expected) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("node", own.key(), pw, new X509Certificate[] {own.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {new PeerTrustManager(expected)}, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not set up TLS", e);
        }
    }
}
