package dev.mycel.bench;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.PeerCertificates;
import dev.mycel.net.tls.TlsContexts;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
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
 * The TLS 1.3 record layer alone (AES-128-GCM, the suite Mycel peers agree on): 1 MiB encrypted
 * by one engine and decrypted by its peer, with no sockets, HTTP/2 or gRPC, on the JDK's provider
 * and on BoringSSL (Netty's OpenSSL engine). This is the floor under the cost of every byte the
 * transport moves, and for the JDK it depends on where the buffers live: on the heap the JDK runs
 * its AES-GCM intrinsic over arrays directly; with direct buffers it goes through a slower path.
 * BoringSSL works on direct memory; heap buffers cost it a copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsRecordBenchmark {
    private static final int BYTES = 1 << 20;

    @Param({"jdk", "openssl"})
    String provider;

    @Param({"heap", "direct"})
    String buffers;

    private SSLEngine client;
    private SSLEngine server;
    private ByteBuffer plain;
    private ByteBuffer net;
    private ByteBuffer out;

    @Setup
    public void setup() throws Exception {
        SslProvider p = provider.equals("jdk") ? SslProvider.JDK : SslProvider.OPENSSL;
        client = new TlsContexts(PeerCertificates.issue(NodeIdentity.generate()), p).plainClient(null)
                .newEngine(ByteBufAllocator.DEFAULT);
        server = new TlsContexts(PeerCertificates.issue(NodeIdentity.generate()), p).plainServer()
                .newEngine(ByteBufAllocator.DEFAULT);
        plain = allocate(BYTES);
        byte[] random = new byte[BYTES];
        new SplittableRandom(1).nextBytes(random);
        plain.put(random).flip();
        net = allocate(BYTES + BYTES / 8);
        out = allocate(BYTES + BYTES / 8);
        handshake();
        String suite = client.getSession().getCipherSuite();
        if (!suite.equals("TLS_AES_128_GCM_SHA256")) {
            throw new IllegalStateException("the engines agreed on " + suite + ", not AES-128-GCM");
        }
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
}
