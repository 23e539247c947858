package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.proto.AddProviderRequest;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.StoreRequest;
import dev.mycel.net.proto.ValueRecord;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks from a peer that speaks the protocol directly, each refused while the node goes on
 * serving honest peers: forged, stale, replayed, expired and oversized records, and floods.
 */
class DhtAttackTest {
    private static DhtTestNetwork net;
    private static DhtNode target;
    private final NodeIdentity attacker = NodeIdentity.generate();
    private final NodeIdentity victim = NodeIdentity.generate();

    @BeforeAll
    static void start() throws Exception {
        DhtConfig config = DhtTestNetwork.testConfig();
        // A tight rate limit so that a flood is quick to produce.
        net = DhtTestNetwork.start(4, config.withNet(config.net().withRate(50, 100)), null);
        target = net.nodes.get(1);
    }

    @AfterAll
    static void stop() {
        net.close();
    }

    private PeerChannels channelsOf(NodeIdentity who) {
        return new PeerChannels(new TlsContexts(who), NetLimits.defaults().withMaxMessageBytes(64 << 20), 4);
    }

    private static DhtGrpc.DhtBlockingStub stub(PeerChannels channels) {
        return DhtGrpc.newBlockingStub(channels.channel(target.id(), "127.0.0.1", target.port()))
                .withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    private static StatusRuntimeException refusedStore(PeerChannels ch, ValueRecord r) {
        return assertThrows(StatusRuntimeException.class, () -> stub(ch).store(StoreRequest.newBuilder().setRecord(r).build()));
    }

    private static long inAMinute() {
        return System.currentTimeMillis() + 60_000;
    }

    /** Proves the target still answers honest peers normally. */
    private static void honestPeerIsServed() throws InterruptedException {
        DhtNode honest = net.nodes.get(2);
        String name = "honest-" + System.nanoTime();
        honest.put(name, new byte[] {7}, Duration.ofMinutes(1));
        assertTrue(net.nodes.get(3).get(honest.id(), name).isPresent());
    }

    @Test
    void recordSignedByAnotherKeyIsRefused() throws Exception {
        try (PeerChannels ch = channelsOf(attacker)) {
            // Claims the victim as publisher but is signed by the attacker.
            ValueRecord genuine = Records.signValue(attacker, "wallet", "pay me".getBytes(StandardCharsets.UTF_8), 1, inAMinute());
            ValueRecord forged = genuine.toBuilder().setPublisherKey(ByteString.copyFrom(victim.peerId().rawKey())).build();
            StatusRuntimeException e = refusedStore(ch, forged);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("signature does not verify"), e.getStatus().getDescription());
            assertTrue(target.get(victim.peerId(), "wallet").isEmpty());
            // A provider record with a tampered payload fails the same way.
            ProviderRecord p = Records.signProvider(attacker, DhtKey.sha256(new byte[] {1}), "127.0.0.1", 9, new byte[] {1}, 1, inAMinute());
            ProviderRecord tampered = p.toBuilder().setPayload(ByteString.copyFrom(new byte[] {2})).build();
            assertThrows(StatusRuntimeException.class, () -> stub(ch).addProvider(AddProviderRequest.newBuilder().setRecord(tampered).build()));
        }
        honestPeerIsServed();
    }

    @Test
    void recordWithLowerSequenceOrReplayedOldRecordIsRefused() throws Exception {
        try (PeerChannels ch = channelsOf(attacker)) {
            ValueRecord v1 = Records.signValue(victim, "price", "1".getBytes(StandardCharsets.UTF_8), 1, inAMinute());
            ValueRecord v2 = Records.signValue(victim, "price", "2".getBytes(StandardCharsets.UTF_8), 2, inAMinute());
            stub(ch).store(StoreRequest.newBuilder().setRecord(v1).build());
            stub(ch).store(StoreRequest.newBuilder().setRecord(v2).build());
            // Replaying the genuine but older record cannot roll the value back.
            StatusRuntimeException e = refusedStore(ch, v1);
            assertTrue(e.getStatus().getDescription().contains("stale record"), e.getStatus().getDescription());
            // Replaying the current record is harmless and changes nothing.
            stub(ch).store(StoreRequest.newBuilder().setRecord(v2).build());
            assertEquals("2", target.store().value(Records.valueKey(victim.peerId(), "price")).orElseThrow().getValue().toStringUtf8());
            // A different record with the same sequence is a conflict, refused.
            ValueRecord twin = Records.signValue(victim, "price", "3".getBytes(StandardCharsets.UTF_8), 2, inAMinute());
            assertTrue(refusedStore(ch, twin).getStatus().getDescription().contains("same sequence"));
        }
        honestPeerIsServed();
    }

    @Test
    void expiredOrEverlastingRecordIsRefused() throws Exception {
        try (PeerChannels ch = channelsOf(attacker)) {
            ValueRecord old = Records.signValue(attacker, "old", new byte[] {1}, 1, System.currentTimeMillis() - 1000);
            assertTrue(refusedStore(ch, old).getStatus().getDescription().contains("expired"));
            ValueRecord forever = Records.signValue(attacker, "forever", new byte[] {1}, 1, Long.MAX_VALUE);
            assertTrue(refusedStore(ch, forever).getStatus().getDescription().contains("too far ahead"));
        }
        honestPeerIsServed();
    }

    @Test
    void oversizedMessageEndsOnlyThatCall() throws Exception {
        try (PeerChannels ch = channelsOf(attacker)) {
            ValueRecord huge = Records.signValue(attacker, "huge", new byte[8 << 20], 1, inAMinute());
            StatusRuntimeException e = refusedStore(ch, huge);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            // Within the message bound but above the value bound: refused by the record check.
            ValueRecord big = Records.signValue(attacker, "big", new byte[1 << 20], 1, inAMinute());
            assertTrue(refusedStore(ch, big).getStatus().getDescription().contains("exceeds"));
            // The same connection still works.
            stub(ch).ping(PingRequest.getDefaultInstance());
        }
        honestPeerIsServed();
    }

    @Test
    void floodBeyondTheRateLimitIsRefusedWhileOthersAreServed() throws Exception {
        AtomicInteger limited = new AtomicInteger();
        AtomicInteger honestFailures = new AtomicInteger();
        try (PeerChannels flood = channelsOf(attacker); PeerChannels honest = channelsOf(NodeIdentity.generate());
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Future<?> attack = pool.submit(() -> {
                for (int i = 0; i < 1000; i++) {
                    try {
                        stub(flood).ping(PingRequest.getDefaultInstance());
                    } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            limited.incrementAndGet();
                        }
                    }
                }
            });
            Future<?> normal = pool.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    try {
                        stub(honest).ping(PingRequest.getDefaultInstance());
                    } catch (StatusRuntimeException e) {
                        honestFailures.incrementAndGet();
                    }
                    try {
                        Thread.sleep(25);
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
            });
            attack.get();
            normal.get();
        }
        assertTrue(limited.get() >= 500, "the flood got through: only " + limited.get() + " of 1000 refused");
        assertEquals(0, honestFailures.get(), "an honest peer within its rate was refused");
        assertTrue(target.stats().rateLimitedCalls() >= limited.get());
        honestPeerIsServed();
    }

    @Test
    void bootstrapThatInsistsOnAnotherPeerIdIsRefused() throws Exception {
        DhtNode joining = DhtNode.start(DhtTestNetwork.testConfig(), NodeIdentity.generate(), null);
        try {
            joining.onEvent(e -> { });
            int reached = joining.bootstrap(List.of(new BootstrapAddress(victim.peerId(), "127.0.0.1", target.port())));
            assertEquals(0, reached);
            assertEquals(0, joining.peers().size());
        } finally {
            joining.close();
        }
    }

    @Test
    void providerRecordMustNameAnAddressWhereItsProviderAnswers() throws Exception {
        DhtKey model = DhtKey.sha256("attack/model-x".getBytes(StandardCharsets.UTF_8));
        DhtNode bystander = net.nodes.get(2);
        try (PeerChannels ch = channelsOf(attacker)) {
            // Signed by the attacker, pointing at another node's port: the bystander answers there, not the attacker.
            ProviderRecord atOthersPort = Records.signProvider(attacker, model, "127.0.0.1", bystander.port(), new byte[] {1}, 1, inAMinute());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub(ch).addProvider(AddProviderRequest.newBuilder().setRecord(atOthersPort).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("did not answer as itself"), e.getStatus().getDescription());
            // An address the attacker does not call from.
            ProviderRecord elsewhere = Records.signProvider(attacker, model, "198.51.100.7", 4000, new byte[] {1}, 2, inAMinute());
            e = assertThrows(StatusRuntimeException.class,
                    () -> stub(ch).addProvider(AddProviderRequest.newBuilder().setRecord(elsewhere).build()));
            assertTrue(e.getStatus().getDescription().contains("not the address the provider calls from"), e.getStatus().getDescription());
            // Another provider's genuine record, relayed: only the provider itself may place it.
            ProviderRecord relayed = Records.signProvider(victim, model, "127.0.0.1", bystander.port(), new byte[] {1}, 1, inAMinute());
            e = assertThrows(StatusRuntimeException.class,
                    () -> stub(ch).addProvider(AddProviderRequest.newBuilder().setRecord(relayed).build()));
            assertTrue(e.getStatus().getDescription().contains("only from its provider"), e.getStatus().getDescription());
        }
        assertEquals(List.of(), target.store().providers(model));
        // An honest provider's own announcement is still taken, by the target among others.
        DhtNode honest = net.nodes.get(3);
        assertTrue(honest.provide(model, new byte[] {9}) >= 2);
        assertEquals(List.of(honest.id()), target.providers(model).stream().map(Records::providerOf).toList());
        honestPeerIsServed();
    }
}
