package dev.mycel.net.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.tls.TlsInteropTest;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
}
