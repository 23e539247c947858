package dev.mycel.inference;

import static dev.mycel.inference.Generations.assertSame;
import static dev.mycel.inference.Generations.local;
import static dev.mycel.inference.Generations.remote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.net.proto.ProviderRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Servers that are gone, in every role a client gives them: whatever fails is a fail-over or a
 * skipped check with an event, never the caller's error, and the answer keeps the bits of one
 * process. Servers that stop cleanly leave the directory at once; the announcements of those
 * that die live minutes, not half an hour.
 */
class FailoverTest {
    private static final RemoteSequence.Options CHECKED =
            RemoteSequence.Options.defaults().withSpotChecks(new SpotCheckPolicy(0.2, 7));

    /** A server of every block, announced as the fastest, then killed without a word: the DHT still lists it. */
    private static InferenceNetwork.Server fastestThenKilled(InferenceNetwork net) throws Exception {
        InferenceNetwork.Server dead = net.addServer(0, 5);
        dead.service().advertiseSpeed(1e9);
        dead.announcer().announce();
        dead.kill();
        return dead;
    }

    /** The DHT still lists a server that was killed; the client picks it as the second of a spot check. */
    @Test
    void aDeadServerStillAnnouncedCostsNothingAsTheSecondOfASpotCheck() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            net.addServer(0, 5);
            net.addServer(0, 5);
            // The fastest announced server is every check's first choice as the second server.
            InferenceNetwork.Server dead = fastestThenKilled(net);
            assertSame(expected, remote(net, CHECKED, (n, seq) -> { }));
            List<String> failedChecks = net.events.stream().filter(e -> e.startsWith("spot-check server")).toList();
            assertEquals(1, failedChecks.size(), String.join("\n", net.events));
            assertTrue(failedChecks.getFirst().contains(dead.dht().id().shortString()), failedChecks.getFirst());
            assertTrue(net.client().banned().isEmpty(), "nobody lied");

            // A second sequence of the same client does not try the dead server again (back-off).
            net.events.clear();
            assertSame(expected, remote(net, CHECKED, (n, seq) -> { }));
            assertTrue(net.events.stream().noneMatch(e -> e.contains("failed")), String.join("\n", net.events));
        }
    }

    /** With the only other server for the blocks dead, the check is skipped with a word, not failed. */
    @Test
    void aSpotCheckWhoseOnlySecondServerIsDeadIsSkipped() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            net.addServer(0, 5);
            fastestThenKilled(net);
            assertSame(expected, remote(net, CHECKED, (n, seq) -> { }));
            assertTrue(net.events.stream().anyMatch(e -> e.contains("their steps go unchecked")), String.join("\n", net.events));
        }
    }

    /** A new sequence whose planned route goes through a server that died: it re-plans around it. */
    @Test
    void aRouteThroughADeadServerIsReplannedWhenItOpens() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            for (InferenceNetwork.Server slow : List.of(net.addServer(0, 2), net.addServer(2, 5))) {
                slow.service().advertiseSpeed(10); // half a second a token: far behind any round trip
                slow.announcer().announce();
            }
            InferenceNetwork.Server dead = net.addServer(0, 5);
            dead.service().advertiseSpeed(1e9);
            dead.announcer().announce();
            // The client measures every server before the death, so the planner prefers the dead one.
            net.sequence(16, RemoteSequence.Options.defaults()).close();
            dead.kill();
            assertSame(expected, remote(net, CHECKED, (n, seq) -> { }));
            assertTrue(net.events.stream().anyMatch(e -> e.contains("failed while taking over")), String.join("\n", net.events));
        }
    }

    @Test
    void aServerThatStopsCleanlyIsNoLongerListed() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            net.addServer(0, 5);
            InferenceNetwork.Server leaving = net.addServer(0, 5);
            byte[] model = ModelHash.of(Generations.MODEL);
            DhtServerDirectory seen = new DhtServerDirectory(net.bootstrap);
            assertEquals(2, seen.servers(model).size());
            assertTrue(leaving.announcer().withdraw() > 0);
            List<ServerEntry> now = seen.servers(model);
            assertEquals(1, now.size());
            assertTrue(now.stream().noneMatch(e -> e.peer().equals(leaving.dht().id())));
            // Nor does it come back by itself.
            assertEquals(0, leaving.announcer().announce());
            assertEquals(1, seen.servers(model).size());
        }
    }

    @Test
    void announcementsLiveThreePeriodsNotTheDhtsProviderTtl() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            InferenceNetwork.Server s = net.addServer(0, 5);
            long before = System.currentTimeMillis();
            try (BlockServerNode often = new BlockServerNode(s.dht(), s.service(), 20)) {
                often.announce();
            }
            List<ProviderRecord> records = net.bootstrap.providers(ModelKeys.servers(ModelHash.of(Generations.MODEL)));
            assertEquals(1, records.size());
            long lives = records.getFirst().getExpiresAtMs() - before;
            assertTrue(lives > 50_000 && lives <= 61_000, "lives " + lives + " ms");
        }
    }

    /**
     * A client's sessions with the same server run one after another on one frame connection
     * (each ended with End, the connection kept): no TLS handshake after the first, same bits.
     */
    @Test
    void sequencesOfAClientReuseTheServersConnections() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            InferenceNetwork.Server a = net.addServer(0, 3);
            InferenceNetwork.Server b = net.addServer(3, 5);
            for (int i = 0; i < 3; i++) {
                assertSame(expected, remote(net, RemoteSequence.Options.defaults().withForwarding(false), (n, seq) -> { }));
            }
            assertEquals(1, a.service().frameConnections(), "one connection for three sessions");
            assertEquals(1, b.service().frameConnections());
            assertEquals(2, a.service().sessionsOnReusedConnections());
            // The last End travels after the client moved on: the server frees that session when it reads it.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (a.service().activeSessions() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, a.service().activeSessions(), "ended sessions freed their caches");
        }
    }
}
