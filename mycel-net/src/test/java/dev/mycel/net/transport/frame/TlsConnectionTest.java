package dev.mycel.net.transport.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.ForgedCertificates;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.tls.TlsInteropTest;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SSLEngine loop under the bulk socket: handshake, what it agrees on, bulk bytes both ways, close_notify. */
class TlsConnectionTest {
    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"OPENSSL, OPENSSL", "OPENSSL, JDK", "JDK, OPENSSL", "JDK, JDK"})
    void bytesCrossBothWaysAndCloseEndsTheStream(String serverProvider, String clientProvider) throws Exception {
        assumeTrue(OpenSsl.isAvailable() || !serverProvider.equals("OPENSSL") && !clientProvider.equals("OPENSSL"));
        NodeIdentity serverId = NodeIdentity.generate();
        NodeIdentity clientId = NodeIdentity.generate();
        byte[] big = new byte[5 << 20];
        new SplittableRandom(5).nextBytes(big);
        Duration timeout = Duration.ofSeconds(5);
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel ch = listener.accept();
                     TlsConnection c = TlsConnection.open(ch, TlsInteropTest.tls(serverId, serverProvider).plainServer(),
                             false, timeout)) {
                    assertEquals(clientId.peerId(), PeerTrustManager.peerOf(c.session()));
                    ByteBuffer got = ByteBuffer.allocate(big.length);
                    c.readFully(got);
                    c.write(got.flip());
                    c.flush();
                    return new byte[] {(byte) c.read()};
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SocketChannel ch = SocketChannel.open(listener.getLocalAddress());
            try (TlsConnection c = TlsConnection.open(ch, TlsInteropTest.tls(clientId, clientProvider)
                    .plainClient(serverId.peerId()), true, timeout)) {
                assertEquals("TLSv1.3", c.session().getProtocol());
                assertEquals("TLS_AES_128_GCM_SHA256", c.session().getCipherSuite());
                assertEquals(serverId.peerId(), PeerTrustManager.peerOf(c.session()));
                c.write(ByteBuffer.wrap(big));
                c.flush();
                ByteBuffer back = ByteBuffer.allocateDirect(big.length);
                c.readFully(back);
                byte[] copy = new byte[big.length];
                back.flip().get(copy);
                assertArrayEquals(big, copy);
            }
            // The client's close_notify is the end of the server's stream.
            assertArrayEquals(new byte[] {-1}, echoed.get(10, TimeUnit.SECONDS));
        }
    }

    /**
     * A refused certificate gets the peer a certificate alert, never internal_error (what
     * BoringSSL sent before it was told the alert): bad_certificate for a forged one,
     * certificate_expired for an expired one, certificate_unknown from a client that dialled
     * another peer. A JDK server can only say certificate_unknown. In TLS 1.3 a client finishes
     * before the server has judged its certificate, so it learns of the refusal on its first read.
     * The side that refused names its reason.
     */
    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"OPENSSL, OPENSSL", "OPENSSL, JDK", "JDK, OPENSSL", "JDK, JDK"})
    void aRefusedCertificateGetsTheRightAlert(String serverProvider, String clientProvider) throws Exception {
        assumeTrue(OpenSsl.isAvailable() || !serverProvider.equals("OPENSSL") && !clientProvider.equals("OPENSSL"));
        NodeIdentity serverId = NodeIdentity.generate();
        NodeIdentity clientId = NodeIdentity.generate();
        TlsContexts server = TlsInteropTest.tls(serverId, serverProvider);
        SslProvider client = SslProvider.valueOf(clientProvider);
        boolean jdkServer = serverProvider.equals("JDK");

        Refusal forged = handshake(server, new TlsContexts(ForgedCertificates.copiedExtension(clientId), client)
                .plainClient(serverId.peerId()));
        assertEquals(jdkServer ? "certificate_unknown" : "bad_certificate", alert(forged.client()), forged.toString());
        assertTrue(forged.server().contains("the identity signature in the peer's certificate does not verify"), forged.server());

        Refusal expired = handshake(server, new TlsContexts(ForgedCertificates.expired(clientId, Duration.ofHours(1)), client)
                .plainClient(serverId.peerId()));
        assertEquals(jdkServer ? "certificate_unknown" : "certificate_expired", alert(expired.client()), expired.toString());
        assertTrue(expired.server().contains("not valid now"), expired.server());

        Refusal otherPeer = handshake(server, TlsInteropTest.tls(clientId, clientProvider)
                .plainClient(NodeIdentity.generate().peerId()));
        assertEquals("certificate_unknown", alert(otherPeer.server()), otherPeer.toString());
        assertTrue(otherPeer.client().contains("expected peer"), otherPeer.client());
    }

    /** What each side's exception said (or "accepted", "read"). */
    private record Refusal(String server, String client) {
    }

    private static Refusal handshake(TlsContexts server, SslContext client) throws Exception {
        Duration timeout = Duration.ofSeconds(5);
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel ch = listener.accept()) {
                    TlsConnection.open(ch, server.plainServer(), false, timeout).close();
                    return "accepted";
                } catch (Exception e) {
                    return String.valueOf(e.getMessage());
                }
            });
            String clientSaw;
            try (TlsConnection c = TlsConnection.open(SocketChannel.open(listener.getLocalAddress()), client, true, timeout)) {
                c.read();
                clientSaw = "read";
            } catch (SSLException e) {
                clientSaw = e.getMessage();
            }
            return new Refusal(serverSaw.get(10, TimeUnit.SECONDS), clientSaw);
        }
    }

    /** The alert an exception message reports, as the JDK ("bad_certificate") or BoringSSL ("SSLV3_ALERT_BAD_CERTIFICATE") spells it. */
    private static String alert(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        for (String a : List.of("bad_certificate", "certificate_expired", "certificate_unknown", "access_denied",
                "internal_error", "handshake_failure", "decrypt_error")) {
            if (m.contains(a)) {
                return a;
            }
        }
        return "no alert in: " + message;
    }
}
