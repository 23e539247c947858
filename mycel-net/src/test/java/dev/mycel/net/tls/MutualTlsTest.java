package dev.mycel.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.proto.PingResponse;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real TLS 1.3 handshakes on 127.0.0.1: who may connect, and who the server believes it is talking to. */
class MutualTlsTest {
    private final NodeIdentity server = NodeIdentity.generate();
    private final NodeIdentity client = NodeIdentity.generate();
    private final ConcurrentLinkedQueue<PeerId> callers = new ConcurrentLinkedQueue<>();
    private NetServer net;

    @BeforeEach
    void start() throws Exception {
        net = NetServer.start(server, new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                NetLimits.defaults(), List.of(pingRecording(callers)), null);
    }

    /** A DHT service that answers Ping and records each caller's proven peer id. */
    static DhtGrpc.DhtImplBase pingRecording(Collection<? super PeerId> callers) {
        return new DhtGrpc.DhtImplBase() {
            @Override
            public void ping(PingRequest request, StreamObserver<PingResponse> out) {
                callers.add(Caller.current().peer());
                out.onNext(PingResponse.getDefaultInstance());
                out.onCompleted();
            }
        };
    }

    @AfterEach
    void stop() {
        net.close();
    }

    private PingResponse ping(TlsContexts tls, PeerId expected) {
        try (PeerChannels channels = new PeerChannels(tls, NetLimits.defaults(), 4)) {
            return DhtGrpc.newBlockingStub(channels.channel(expected, "127.0.0.1", net.port()))
                    .withDeadlineAfter(5, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance());
        }
    }

    @Test
    void bothSidesProveTheirKeysAndTheServerKnowsTheCaller() {
        ping(new TlsContexts(client), server.peerId());
        assertEquals(List.of(client.peerId()), List.copyOf(callers));
        // A bootstrap dial (no expected id) also works: the server still proves some key.
        ping(new TlsContexts(client), null);
    }

    @Test
    void serverWithAnotherIdThanExpectedIsRefused() {
        PeerId someoneElse = NodeIdentity.generate().peerId();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ping(new TlsContexts(client), someoneElse));
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(List.of(), List.copyOf(callers));
    }

    @Test
    void serverPresentingAnotherPeersCertificateIsRefused() throws Exception {
        // An impostor knows the victim's identity extension (every handshake shows it), but not the
        // victim's keys: on a certificate of its own key, the victim's signature does not verify.
        // With the victim's genuine certificate, it cannot sign the handshake (CertificateVerify).
        NodeIdentity victim = NodeIdentity.generate();
        NodeIdentity impostor = NodeIdentity.generate();
        for (PeerCertificate forged : List.of(ForgedCertificates.copiedExtension(victim), ForgedCertificates.stolen(victim))) {
            try (NetServer fake = NetServer.start(impostor, new TlsContexts(forged), new InetSocketAddress("127.0.0.1", 0),
                    NetLimits.defaults(), List.of(new DhtGrpc.DhtImplBase() { }), null);
                 PeerChannels channels = new PeerChannels(new TlsContexts(client), NetLimits.defaults(), 4)) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                        DhtGrpc.newBlockingStub(channels.channel(victim.peerId(), "127.0.0.1", fake.port()))
                                .withDeadlineAfter(5, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance()));
                assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
            }
        }
    }

    @Test
    void clientPresentingAnotherPeersCertificateIsRefusedAndTheServerGoesOn() {
        NodeIdentity victim = NodeIdentity.generate();
        for (PeerCertificate forged : List.of(ForgedCertificates.copiedExtension(victim), ForgedCertificates.stolen(victim))) {
            assertThrows(StatusRuntimeException.class, () -> ping(new TlsContexts(forged), server.peerId()));
        }
        assertEquals(List.of(), List.copyOf(callers));
        ping(new TlsContexts(client), server.peerId());
        assertEquals(List.of(client.peerId()), List.copyOf(callers));
    }

    @Test
    void plaintextClientIsRefused() throws InterruptedException {
        ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", net.port()).usePlaintext().build();
        try {
            assertThrows(StatusRuntimeException.class, () -> DhtGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance()));
        } finally {
            plain.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), List.copyOf(callers));
    }
}
