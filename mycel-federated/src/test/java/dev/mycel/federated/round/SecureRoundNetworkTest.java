package dev.mycel.federated.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.MaskInputCall;
import dev.mycel.federated.proto.SecureFitCall;
import dev.mycel.federated.strategy.FedAvg;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Secure rounds over real loopback TLS: every exchange crosses the wire (signed keys, sealed
 * shares, masked inputs as 32-bit words, revealed shares), clients that drop after sharing are
 * recovered, and the model is bit for bit the one the same clients give when called directly
 * (the unmasked sum is exact, whatever the masks were). Out-of-order and malformed calls are
 * refused with their reasons.
 */
class SecureRoundNetworkTest {
    private static final int SIZE = 40;
    private static final LocalTraining LOCAL = new LocalTraining(1, 8, 0.1);
    private final NodeIdentity coordinator = NodeIdentity.generate();
    private final PeerChannels channels = new PeerChannels(new TlsContexts(coordinator), NetLimits.defaults(), 16);
    private final List<NetServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(NetServer::close);
        channels.close();
    }

    private RemoteFederatedClient serve(SecureRoundTest.Client c, Traffic traffic) throws Exception {
        NetServer server = NetServer.start(c.key, new TlsContexts(c.key), new InetSocketAddress("127.0.0.1", 0), NetLimits.defaults(),
                List.of(new FederatedGrpcService(c, coordinator.peerId())), null);
        servers.add(server);
        return new RemoteFederatedClient(c.key.peerId(), "127.0.0.1", server.port(), channels, Duration.ofSeconds(20), traffic);
    }

    private RoundOutcome run(List<FederatedClient> clients) throws Exception {
        FederatedRun.Settings s = new FederatedRun.Settings("net-secure", 1, 1.0, false, 1, Duration.ofSeconds(30), 7, 100, null,
                new SecureAggregation(4.0, 0));
        List<RoundOutcome> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), clients, coordinator, ex, new SplittableRandom(1))
                    .run(new float[SIZE], w -> new double[] {0, 0}, out::add);
        }
        return out.getFirst();
    }

    @Test
    void aSecureRoundOverTheNetworkGivesTheSameModelAsDirectCalls() throws Exception {
        Traffic traffic = new Traffic();
        List<FederatedClient> remote = new ArrayList<>();
        List<FederatedClient> direct = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int dropAt = i == 0 ? 2 : -1;
            remote.add(serve(new SecureRoundTest.Client(i, 10, dropAt), traffic));
            direct.add(new SecureRoundTest.Client(i, 10, dropAt));
        }
        RoundOutcome overNetwork = run(remote);
        RoundOutcome called = run(direct);
        assertTrue(overNetwork.record().applied(), overNetwork.record().refused().toString());
        assertEquals(5, overNetwork.secure().survivors().size());
        assertEquals(1, overNetwork.secure().dropped().size());
        assertArrayEquals(called.model(), overNetwork.model());
        assertEquals(List.of(), RoundAudit.checkSecure(overNetwork.record(), overNetwork.start(), overNetwork.secure(),
                new FedAvg(LOCAL), null, null));
        // Each survivor's masked input is SIZE + 1 words; they all crossed the wire.
        assertTrue(traffic.bytesUp() > 5L * 4 * (SIZE + 1), "bytes up " + traffic.bytesUp());
        assertTrue(traffic.bytesDown() > 6L * 4 * SIZE, "bytes down " + traffic.bytesDown());
    }

    @Test
    void outOfOrderAndMalformedSecureCallsAreRefused() throws Exception {
        SecureRoundTest.Client c = new SecureRoundTest.Client(1, 10, -1);
        RemoteFederatedClient remote = serve(c, new Traffic());
        var stub = FederatedGrpc.newBlockingStub(channels.channel(c.key.peerId(), "127.0.0.1", remote.port()));
        StatusRuntimeException early = assertThrows(StatusRuntimeException.class,
                () -> stub.maskInput(MaskInputCall.newBuilder().setRunId("r").setRound(1).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, early.getStatus().getCode());
        assertTrue(early.getStatus().getDescription().contains("no secure aggregation under way"), early.getStatus().getDescription());
        StatusRuntimeException noSetup = assertThrows(StatusRuntimeException.class,
                () -> stub.secureFit(SecureFitCall.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noSetup.getStatus().getCode());
        assertTrue(noSetup.getStatus().getDescription().contains("secure setup"), noSetup.getStatus().getDescription());
    }
}
