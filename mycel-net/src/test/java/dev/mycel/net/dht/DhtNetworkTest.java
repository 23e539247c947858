package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ten real nodes on 127.0.0.1 (gRPC, mutual TLS): joining, values, providers, restarts. */
class DhtNetworkTest {
    private static DhtTestNetwork net;

    @BeforeAll
    static void start() throws Exception {
        net = DhtTestNetwork.start(10, DhtTestNetwork.testConfig(), null);
    }

    @AfterAll
    static void stop() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void everyNodeFindsEveryOtherFromOneBootstrapAddress() throws InterruptedException {
        // Callers enter a table once their address is checked, and a slow peer's answer may land
        // after the lookup that asked it: both in the background, so the tables fill shortly after the joins.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (net.nodes.stream().anyMatch(n -> n.peers().size() < 9) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (DhtNode n : net.nodes) {
            assertEquals(9, n.peers().size(), "routing table of " + n.id());
        }
    }

    @Test
    void aValuePutOnOneNodeIsReadOnAll() throws Exception {
        DhtNode writer = net.nodes.get(3);
        int stored = writer.put("greeting", "hello".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5));
        assertTrue(stored >= 9, "stored on " + stored);
        for (DhtNode n : net.nodes) {
            Optional<ValueRecord> v = n.get(writer.id(), "greeting");
            assertTrue(v.isPresent(), "read on " + n.id());
            assertEquals("hello", v.get().getValue().toStringUtf8());
        }
        // A newer put wins everywhere.
        writer.put("greeting", "bonjour".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5));
        for (DhtNode n : net.nodes) {
            assertEquals("bonjour", n.get(writer.id(), "greeting").orElseThrow().getValue().toStringUtf8());
        }
        assertTrue(net.nodes.get(0).get(writer.id(), "no such name").isEmpty());
    }

    @Test
    void manyProvidersOfOneKeyAreAllFound() throws Exception {
        DhtKey key = DhtKey.sha256("model X blocks 8-15".getBytes(StandardCharsets.UTF_8));
        Set<PeerId> expected = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            DhtNode p = net.nodes.get(2 * i + 1);
            p.provide(key, ("throughput=" + i).getBytes(StandardCharsets.UTF_8));
            expected.add(p.id());
        }
        for (DhtNode n : net.nodes) {
            List<ProviderRecord> found = n.providers(key);
            Set<PeerId> ids = new HashSet<>();
            for (ProviderRecord r : found) {
                ids.add(Records.providerOf(r));
                assertEquals(r.getPort(), net.nodes.stream().filter(x -> x.id().equals(Records.providerOf(r)))
                        .findFirst().orElseThrow().port());
            }
            assertEquals(expected, ids);
        }
    }

    @Test
    void restartedNodeKeepsItsIdentityAndRejoinsFromItsSavedRoutingTable(@TempDir Path dir) throws Exception {
        NodeIdentity identity = NodeIdentity.loadOrCreate(dir);
        DhtConfig config = DhtTestNetwork.testConfig();
        DhtNode node = DhtNode.start(config, identity, dir);
        node.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", net.nodes.getFirst().port())));
        assertEquals(10, node.peers().size());
        node.close();
        // No bootstrap address this time: the saved routing table is enough.
        DhtNode again = DhtNode.start(config, NodeIdentity.loadOrCreate(dir), dir);
        try {
            assertEquals(identity.peerId(), again.id());
            assertEquals(10, again.peers().size());
            again.put("back", new byte[] {1}, Duration.ofMinutes(1));
            assertTrue(net.nodes.get(5).get(again.id(), "back").isPresent());
        } finally {
            again.close();
        }
    }

    @Test
    void restartedNodeStillHoldsTheRecordsItWasGiven(@TempDir Path dir) throws Exception {
        DhtConfig config = DhtTestNetwork.testConfig();
        DhtNode node = DhtNode.start(config, NodeIdentity.loadOrCreate(dir), dir);
        node.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", net.nodes.getFirst().port())));
        DhtNode publisher = net.nodes.get(3);
        publisher.put("kept", new byte[] {42}, Duration.ofMinutes(10));
        DhtKey key = Records.valueKey(publisher.id(), "kept");
        assertTrue(node.store().value(key).isPresent(), "the new node is among the closest of a small network");
        node.close();
        DhtNode again = DhtNode.start(config, NodeIdentity.loadOrCreate(dir), dir);
        try {
            // Straight from its data folder: no lookup, no republish by the publisher.
            assertArrayEquals(new byte[] {42}, again.store().value(key).orElseThrow().getValue().toByteArray());
        } finally {
            again.close();
        }
    }
}
