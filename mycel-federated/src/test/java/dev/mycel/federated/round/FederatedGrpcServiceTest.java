package dev.mycel.federated.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.federated.proto.FederatedGrpc;
import dev.mycel.federated.proto.FitCall;
import dev.mycel.federated.strategy.ClientUpdate;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client node's Fit service over real loopback TLS: it answers its coordinator with a signed
 * update that survives the wire bit for bit, and refuses another caller and malformed calls.
 */
class FederatedGrpcServiceTest {
    private final NodeIdentity client = NodeIdentity.generate();
    private final NodeIdentity coordinator = NodeIdentity.generate();
    private NetServer server;
    private final PeerChannels coordinatorChannels = new PeerChannels(new TlsContexts(coordinator), NetLimits.defaults(), 4);

    private final FederatedClient local = new FederatedClient() {
        @Override
        public String id() {
            return client.peerId().toString();
        }

        @Override
        public SignedUpdate fit(FitRequest r) {
            float[] w = r.global().clone();
            w[0] += 0.5f;
            w[1] = -0.0f;
            return SignedUpdate.sign(client, r.runId(), r.round(), new ClientUpdate(id(), w, 7));
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = NetServer.start(client, new TlsContexts(client), new InetSocketAddress("127.0.0.1", 0), NetLimits.defaults(),
                List.of(new FederatedGrpcService(local, coordinator.peerId())), null);
    }

    @AfterEach
    void stop() {
        server.close();
        coordinatorChannels.close();
    }

    @Test
    void theCoordinatorGetsTheSignedUpdateBitForBit() throws Exception {
        RemoteFederatedClient remote = new RemoteFederatedClient(client.peerId(), "127.0.0.1", server.port(), coordinatorChannels,
                Duration.ofSeconds(20));
        float[] global = {1f, 2f, Float.MIN_VALUE, -3.25f};
        SignedUpdate s = remote.fit(new FitRequest("run", 3, global, new LocalTraining(1, 8, 0.1).forRound(3, 0)));
        assertTrue(s.verifies());
        assertEquals(3, s.round());
        assertEquals(7, s.update().numExamples());
        assertArrayEquals(new float[] {1.5f, -0.0f, Float.MIN_VALUE, -3.25f}, s.update().parameters());
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(s.update().parameters()[1]));
    }

    @Test
    void anotherNodeIsRefused() {
        NodeIdentity stranger = NodeIdentity.generate();
        try (PeerChannels theirs = new PeerChannels(new TlsContexts(stranger), NetLimits.defaults(), 2)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> FederatedGrpc
                    .newBlockingStub(theirs.channel(client.peerId(), "127.0.0.1", server.port())).fit(call(1, 8)));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("only for coordinator"));
        }
    }

    @Test
    void malformedCallsAreRefused() {
        var stub = FederatedGrpc.newBlockingStub(coordinatorChannels.channel(client.peerId(), "127.0.0.1", server.port()));
        StatusRuntimeException ragged = assertThrows(StatusRuntimeException.class, () -> stub.fit(call(1, 7)));
        assertEquals(Status.Code.INVALID_ARGUMENT, ragged.getStatus().getCode());
        assertTrue(ragged.getStatus().getDescription().contains("whole number of float32"));
        StatusRuntimeException roundZero = assertThrows(StatusRuntimeException.class, () -> stub.fit(call(0, 8)));
        assertEquals(Status.Code.INVALID_ARGUMENT, roundZero.getStatus().getCode());
        StatusRuntimeException noRun = assertThrows(StatusRuntimeException.class,
                () -> stub.fit(call(1, 8).toBuilder().setRunId("").build()));
        assertTrue(noRun.getStatus().getDescription().contains("run id"));
    }

    private static FitCall call(int round, int globalBytes) {
        return FitCall.newBuilder().setRunId("run").setRound(round).setGlobal(ByteString.copyFrom(new byte[globalBytes]))
                .setLocalEpochs(1).setBatchSize(8).setLearningRate(0.1).build();
    }
}
