package dev.mycel.bench;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.PeerCertificates;
import dev.mycel.net.tls.PeerTrustManager;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JDK's TLS 1.3 record layer alone (AES-128-GCM, the suite Mycel peers agree on): 1 MiB
 * encrypted by one engine and decrypted by its peer, with no sockets, HTTP/2 or gRPC. This is
 * the floor under the cost of every byte the transport moves, and it depends on where the
 * buffers live: on the heap the JDK runs its AES-GCM intrinsic over arrays directly; with
 * direct buffers it goes through a slower path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsRecordBenchmark {
    private static final int BYTES = 1 << 20;

    @Param({"heap", "direct"})
    String buffers;

    private SSLEngine client;
    private SSLEngine server;
    private ByteBuffer plain;
    private ByteBuffer net;
    private ByteBuffer out;

    @Setup
    public void setup() throws Exception {
        client = context(NodeIdentity.generate()).createSSLEngine("peer", 1);
        client.setUseClientMode(true);
        server = context(NodeIdentity.generate()).createSSLEngine();
        server.setUseClientMode(false);
        server.setNeedClientAuth(true);
        for (SSLEngine e : new SSLEngine[] {client, server}) {
            e.setEnabledProtocols(new String[] {"TLSv1.3"});
            e.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"});
        }
        plain = allocate(BYTES);
        byte[] random = new byte[BYTES];
        new SplittableRandom(1).nextBytes(random);
        plain.put(random).flip();
        net = allocate(BYTES + BYTES / 8);
        out = allocate(BYTES + BYTES / 8);
        handshake();
    }

    @Benchmark
    public ByteBuffer encryptAndDecrypt() throws SSLException {
        plain.rewind();
        net.clear();
        while (plain.hasRemaining()) {
            check(client.wrap(plain, net));
        }
        net.flip();
        out.clear();
        while (net.hasRemaining()) {
            check(server.unwrap(net, out));
        }
        return out;
    }

    private ByteBuffer allocate(int n) {
        return buffers.equals("heap") ? ByteBuffer.allocate(n) : ByteBuffer.allocateDirect(n);
    }

    private static void check(SSLEngineResult r) {
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IllegalStateException("TLS record step failed: " + r);
        }
    }

    private void handshake() throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
        ByteBuffer app = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 100 && (busy(client) || busy(server)); i++) {
            step(client, toServer, toClient, app);
            step(server, toClient, toServer, app);
        }
        if (busy(client) || busy(server)) {
            throw new IllegalStateException("the TLS handshake did not finish");
        }
    }

    private static boolean busy(SSLEngine e) {
        return e.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    /** Runs one engine until it waits for its peer: tasks, records out, records in. */
    private static void step(SSLEngine e, ByteBuffer outbox, ByteBuffer inbox, ByteBuffer app) throws SSLException {
        while (true) {
            switch (e.getHandshakeStatus()) {
                case NEED_TASK -> {
                    for (Runnable t; (t = e.getDelegatedTask()) != null; ) {
                        t.run();
                    }
                }
                case NEED_WRAP -> e.wrap(ByteBuffer.allocate(0), outbox);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    inbox.flip();
                    SSLEngineResult r = e.unwrap(inbox, app);
                    inbox.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || r.bytesConsumed() == 0) {
                        return;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    private static SSLContext context(NodeIdentity id) throws GeneralSecurityException, java.io.IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", id.keyPair().getPrivate(), new char[0], new X509Certificate[] {PeerCertificates.selfSigned(id)});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {new PeerTrustManager(null)}, null);
        return ctx;
    }
}
