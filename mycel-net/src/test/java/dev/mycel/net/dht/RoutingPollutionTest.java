package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Routing-table pollution (issue 13), in one JVM: throwaway identities call a node claiming
 * a port that accepts connections and never answers. Before contacts were checked they all
 * entered the table and lookups took 25-30 s; now none enters and lookups keep their speed.
 * 100 identities here (each costs the attacker a TLS context and a handshake, 2 cores do about
 * ten a second); the 300 of the report run against a node process in mycel-node's
 * {@code RoutingPollutionProcessTest}.
 */
class RoutingPollutionTest {

    /** A port that accepts TCP connections and never says a word: the cheapest trap to claim. */
    static final class SilentPort implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> held = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        SilentPort() throws IOException {
            server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** Each throwaway identity calls the target once, claiming it listens on the given port. */
    static Set<PeerId> callAsThrowawayIdentities(int count, String host, int targetPort, PeerId target, int claimedPort)
            throws Exception {
        Set<PeerId> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // Many at once: each call mostly waits on handshakes and channel shutdown.
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                calls.add(pool.submit(() -> {
                    NodeIdentity throwaway = NodeIdentity.generate();
                    TlsContexts tls = new TlsContexts(throwaway);
                    ids.add(throwaway.peerId());
                    try (PeerChannels ch = new PeerChannels(tls, NetLimits.defaults(), 2)) {
                        ch.advertisePort(claimedPort);
                        DhtGrpc.newBlockingStub(ch.channel(target, host, targetPort))
                                .withDeadlineAfter(10, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance());
                    }
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        }
        return ids;
    }

    /** Median lookup time in milliseconds over {@code n} lookups of random keys. */
    private static double medianLookupMs(DhtNode node, int n, Random random) throws InterruptedException {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            long t0 = System.nanoTime();
            List<Contact> found = node.findClosest(DhtKey.of(key));
            ms[i] = (System.nanoTime() - t0) / 1e6;
            assertFalse(found.isEmpty());
        }
        Arrays.sort(ms);
        return ms[n / 2];
    }

    @Test
    void throwawayIdentitiesClaimingASilentPortNeitherEnterTheTableNorSlowLookups() throws Exception {
        Random random = new Random(13);
        try (DhtTestNetwork net = DhtTestNetwork.start(6, DhtTestNetwork.testConfig(), null);
             SilentPort trap = new SilentPort()) {
            DhtNode target = net.nodes.get(1);
            medianLookupMs(target, 10, random); // warm-up: connections and JIT
            double normal = medianLookupMs(target, 20, random);
            Set<PeerId> before = new HashSet<>(target.peers().stream().map(Contact::peer).toList());

            long t0 = System.nanoTime();
            Set<PeerId> sybils = callAsThrowawayIdentities(100, "127.0.0.1", target.port(), target.id(), trap.port());
            long attackMs = (System.nanoTime() - t0) / 1_000_000;
            // Let every check the attack started end (each at most the check timeout).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (target.admissionCounts().pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            ContactAdmission.Counts counts = target.admissionCounts();
            Set<PeerId> after = new HashSet<>(target.peers().stream().map(Contact::peer).toList());
            double attacked = medianLookupMs(target, 20, random);
            System.out.printf("pollution: table %d -> %d contacts; 100 calls in %d ms; checks %s; median lookup %.1f ms before, %.1f ms after%n",
                    before.size(), after.size(), attackMs, counts, normal, attacked);

            after.retainAll(sybils);
            assertEquals(Set.of(), after, "throwaway identities entered the routing table");
            assertTrue(target.peers().size() <= before.size() + 1, "table grew from " + before.size() + " to " + target.peers().size());
            assertTrue(counts.checked() < 100, "every throwaway id was checked: " + counts);
            // Within twice the normal time; 10 ms of slack for timer noise on loopback lookups of a few ms.
            assertTrue(attacked <= 2 * normal + 10, "lookups slowed from " + normal + " ms to " + attacked + " ms");
        }
    }

    @Test
    void capsAppliedToLoopbackBoundTheTableHoweverManyRealIdentitiesAnswer() throws Exception {
        DhtConfig capped = DhtTestNetwork.testConfig().withContacts(ContactLimits.defaults().withCaps(2, 3, true));
        try (DhtTestNetwork net = DhtTestNetwork.start(8, capped, null)) {
            for (DhtNode node : net.nodes) {
                assertTrue(node.peers().size() <= 2, node.id() + " holds " + node.peers().size() + " contacts from one address");
                assertFalse(node.peers().isEmpty(), "the caps starved a table");
            }
            // Eight answering peers and room for two: the refusals are counted where node status reads them.
            long refused = net.nodes.stream().mapToLong(n -> n.stats().contacts().refusedByCaps()).sum();
            assertTrue(refused > 0, "no refusal by the caps was counted");
        }
    }
}
