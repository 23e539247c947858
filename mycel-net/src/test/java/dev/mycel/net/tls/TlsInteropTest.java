package dev.mycel.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BoringSSL (Netty's OPENSSL provider) and the JDK's provider speak to each other, both ways. */
public class TlsInteropTest {
    private final NodeIdentity server = NodeIdentity.generate();
    private final NodeIdentity client = NodeIdentity.generate();

    @BeforeEach
    void needsBoringSsl() {
        assumeTrue(OpenSsl.isAvailable(), "BoringSSL does not load here");
    }

    /** A node's TLS setup on the given provider (OPENSSL or JDK). */
    public static TlsContexts tls(NodeIdentity who, String provider) {
        return new TlsContexts(PeerCertificates.issue(who), SslProvider.valueOf(provider));
    }

    @Test
    void boringSslIsTheDefaultWhereItLoads() {
        assertEquals(SslProvider.OPENSSL, TlsContexts.defaultProvider());
        assertEquals(SslProvider.OPENSSL, new TlsContexts(server).provider());
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"OPENSSL, JDK", "JDK, OPENSSL", "OPENSSL, OPENSSL", "JDK, JDK"})
    void grpcCallsPassAndTheServerKnowsTheCaller(String serverProvider, String clientProvider) throws Exception {
        ConcurrentLinkedQueue<dev.mycel.net.identity.PeerId> callers = new ConcurrentLinkedQueue<>();
        DhtGrpc.DhtImplBase ping = MutualTlsTest.pingRecording(callers);
        try (NetServer net = NetServer.start(server, tls(server, serverProvider), new InetSocketAddress("127.0.0.1", 0),
                NetLimits.defaults(), List.of(ping), null);
             PeerChannels channels = new PeerChannels(tls(client, clientProvider), NetLimits.defaults(), 2)) {
            DhtGrpc.newBlockingStub(channels.channel(server.peerId(), "127.0.0.1", net.port()))
                    .withDeadlineAfter(5, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance());
        }
        assertEquals(List.of(client.peerId()), List.copyOf(callers));
    }
}
