package dev.mycel.inference.client;

import static dev.mycel.inference.client.InMemoryNetwork.local;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.server.Fault;
import dev.mycel.model.generate.GenerationResult;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fail-over, spot checks and bans on servers in this JVM ({@link InMemoryNetwork}): no DHT, no
 * sockets, no sleeping, and the client's clock moved by hand. Whatever a server does, the
 * generation keeps the bits of one process.
 */
class InMemoryFailoverTest {
    private static final RemoteSequence.Options PLAIN = RemoteSequence.Options.defaults();
    /** Every step of a server not yet verified is checked, the first one included. */
    private static final RemoteSequence.Options CHECKED = PLAIN.withSpotChecks(new SpotCheckPolicy(0.05, 1));
    /** Only steps of a server the client has not verified for their blocks are checked (the draw is ~never). */
    private static final RemoteSequence.Options FIRST_STEPS = PLAIN.withSpotChecks(new SpotCheckPolicy(1e-9, 1));
    /** Every step is checked. */
    private static final RemoteSequence.Options EVERY_STEP = PLAIN.withSpotChecks(new SpotCheckPolicy(1, 1));
    private static final long SECOND = 1_000_000_000L;
    private static GenerationResult expected;

    @BeforeAll
    static void expected() {
        expected = local();
    }

    private static void assertSame(GenerationResult want, GenerationResult got) {
        assertArrayEquals(want.promptTokens(), got.promptTokens());
        assertArrayEquals(want.tokens(), got.tokens());
        assertEquals(want.logitsSha256(), got.logitsSha256());
        assertEquals(want.text(), got.text());
    }

    private static String log(InMemoryNetwork net) {
        return String.join("\n", net.events);
    }

    @Test
    void aRouteServerThatDiesMidGenerationIsReplacedWithoutChangingABit() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            net.addServer(0, 2, 1e6);
            InMemoryNetwork.Server dying = net.addServer(2, 5, 1e6);
            InMemoryNetwork.Server spare = net.addServer(0, 5, 1);
            int[] failovers = new int[1];
            GenerationResult got = net.remote(PLAIN, (n, seq) -> {
                if (n == 10) {
                    assertTrue(seq.route().stream().anyMatch(h -> h.server().peer().equals(dying.peer())), seq.route().toString());
                    dying.kill();
                }
                failovers[0] = seq.failovers();
            });
            assertSame(expected, got);
            assertEquals(1, failovers[0], log(net));
            assertTrue(net.events.stream().anyMatch(e -> e.startsWith("server " + dying.peer().shortString())
                    && e.contains("re-routing blocks 2..4")), log(net));
            assertTrue(spare.sessions.get() > 0, "the spare took over");
            assertTrue(net.knowledge.backoff().avoided(dying.peer()));
        }
    }

    @Test
    void aLyingServerIsCaughtBannedAndReportedWithAProof() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            net.addServer(0, 5, 10);
            InMemoryNetwork.Server liar = net.addServer(0, 5, 1e9); // the fastest: every route's first choice
            liar.service.injectFault(new Fault(Fault.Kind.PERTURB, 0));
            net.localReferee = true;
            assertSame(expected, net.remote(CHECKED));
            assertTrue(net.knowledge.banned().contains(liar.peer()), log(net));
            assertTrue(net.events.stream().anyMatch(e -> e.startsWith("server " + liar.peer().shortString())
                    && e.contains("banned")), log(net));
            List<ServerDirectory.Report> filed = net.directory.reports(liar.peer());
            assertEquals(1, filed.size(), log(net));
            Dispute proof = filed.getFirst().proof();
            assertEquals(net.client.peerId(), filed.getFirst().reporter());
            assertEquals(ByteString.copyFrom(liar.peer().rawKey()), proof.getAccused().getServer());
            assertEquals(proof.getPosition() + proof.getTokens(), proof.getTokenIdsCount());

            // The next sequence of the client never talks to the liar again.
            int before = liar.sessions.get();
            assertSame(expected, net.remote(PLAIN));
            assertEquals(before, liar.sessions.get());
        }
    }

    @Test
    void aSecondServerThatFailsDuringACheckIsPassedOver() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            net.addServer(0, 5, 1e9);
            // The fastest other server is every check's first choice as the second; it drops its sessions' steps.
            InMemoryNetwork.Server dropping = net.addServer(0, 5, 1e8);
            dropping.service.injectFault(new Fault(Fault.Kind.DROP, 0));
            InMemoryNetwork.Server checker = net.addServer(0, 5, 1);
            assertSame(expected, net.remote(CHECKED));
            List<String> failed = net.events.stream().filter(e -> e.startsWith("spot-check server")).toList();
            assertEquals(1, failed.size(), log(net));
            assertTrue(failed.getFirst().contains(dropping.peer().shortString()), failed.getFirst());
            assertTrue(checker.sessions.get() > 0, "another second server did the check");
            assertTrue(net.knowledge.banned().isEmpty(), "nobody lied");
            assertTrue(net.knowledge.backoff().avoided(dropping.peer()));
        }
    }

    @Test
    void aServerThatFailedIsAvoidedAcrossSequencesUntilItsBackOffIsOver() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            InMemoryNetwork.Server flaky = net.addServer(0, 5, 1e9);
            net.addServer(0, 5, 1);
            flaky.cut.set(true);

            // The first sequence tries the fastest server, fails to open it and re-plans.
            assertSame(expected, net.remote(PLAIN));
            assertEquals(1, flaky.sessions.get());
            assertTrue(net.events.stream().anyMatch(e -> e.contains("failed while taking over")), log(net));

            // Nine seconds later, another sequence does not try it again.
            net.events.clear();
            net.clock.addAndGet(9 * SECOND);
            assertSame(expected, net.remote(PLAIN));
            assertEquals(1, flaky.sessions.get(), log(net));
            assertTrue(net.events.stream().noneMatch(e -> e.contains("failed")), log(net));

            // After the first back-off (10 s) it is tried again, fails again, and is avoided twice as long.
            net.clock.addAndGet(2 * SECOND);
            assertSame(expected, net.remote(PLAIN));
            assertEquals(2, flaky.sessions.get());
            net.clock.addAndGet(19 * SECOND);
            assertSame(expected, net.remote(PLAIN));
            assertEquals(2, flaky.sessions.get(), "20 s after the second failure");

            // Back, it is used again and forgiven.
            flaky.cut.set(false);
            net.clock.addAndGet(2 * SECOND);
            net.events.clear();
            try (RemoteSequence seq = net.sequence(16, PLAIN)) {
                assertEquals(flaky.peer(), seq.route().getFirst().server().peer(), log(net));
            }
            assertFalse(net.knowledge.backoff().avoided(flaky.peer()));
            flaky.cut.set(true);
            try (RemoteSequence seq = net.sequence(16, PLAIN)) {
                assertFalse(seq.route().getFirst().server().peer().equals(flaky.peer()));
            }
            assertTrue(net.knowledge.backoff().avoided(flaky.peer()), "one failure after forgiveness: 10 s again");
            net.clock.addAndGet(11 * SECOND);
            assertFalse(net.knowledge.backoff().avoided(flaky.peer()));
        }
    }

    @Test
    void aServerVerifiedByOneSequenceIsNotCheckedAgainByTheNextUntilTenMinutesPass() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            InMemoryNetwork.Server route = net.addServer(0, 5, 1e9);
            InMemoryNetwork.Server second = net.addServer(0, 5, 1);
            assertSame(expected, net.remote(FIRST_STEPS));
            assertEquals(1, second.sessions.get(), "the route server's first step was checked: " + log(net));
            assertTrue(net.knowledge.verified().isVerified(route.peer(), 0, 5));

            // The next request through the same client trusts the check it already made.
            assertSame(expected, net.remote(FIRST_STEPS));
            assertEquals(1, second.sessions.get(), log(net));

            // Ten minutes on, the memory has expired: the first step is checked again.
            net.clock.addAndGet(VerifiedServers.FRESH.toNanos());
            assertSame(expected, net.remote(FIRST_STEPS));
            assertEquals(2, second.sessions.get(), log(net));
            assertTrue(route.sessions.get() >= 3, "the same server stayed on the route");
        }
    }

    @Test
    void aServerVerifiedForSomeBlocksIsCheckedAgainForOthers() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            InMemoryNetwork.Server slow = net.addServer(0, 5, 1);
            InMemoryNetwork.Server second = net.addServer(0, 5, 0.5);
            assertSame(expected, net.remote(FIRST_STEPS));
            assertTrue(net.knowledge.verified().isVerified(slow.peer(), 0, 5), log(net));
            assertEquals(1, second.sessions.get());

            // A fast server for blocks 0..1 joins (seen once the client's list is looked up again):
            // the route now takes only blocks 2..4 from the slow one, a check it never made.
            InMemoryNetwork.Server fast = net.addServer(0, 2, 1e9);
            net.clock.addAndGet(11 * SECOND);
            try (RemoteSequence seq = net.sequence(128, FIRST_STEPS)) {
                assertEquals(List.of(new Hop(fast.entry(), 0, 2), new Hop(slow.entry(), 2, 5)).toString(),
                        seq.route().toString());
                assertSame(expected, net.generate(seq, (n, s) -> { }));
            }
            assertEquals(2, second.sessions.get(), "blocks 2..4 of the slow server checked on the second: " + log(net));
            assertTrue(net.knowledge.verified().isVerified(slow.peer(), 2, 5));
            assertTrue(net.knowledge.verified().isVerified(fast.peer(), 0, 2));
        }
    }

    @Test
    void aBannedServerIsForgottenAndNeverVerifiedAgain() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            InMemoryNetwork.Server server = net.addServer(0, 5, 1e9);
            InMemoryNetwork.Server second = net.addServer(0, 5, 10);
            net.localReferee = true;
            assertSame(expected, net.remote(FIRST_STEPS));
            assertTrue(net.knowledge.verified().isVerified(server.peer(), 0, 5), log(net));

            // A sequence opened now has the server on its route, before anyone knows it lies.
            try (RemoteSequence held = net.sequence(128, FIRST_STEPS)) {
                assertEquals(server.peer(), held.route().getFirst().server().peer());

                // It starts lying; another sequence checks it, catches it and bans it.
                server.service.injectFault(new Fault(Fault.Kind.PERTURB, 0));
                assertSame(expected, net.remote(EVERY_STEP));
                assertTrue(net.knowledge.banned().contains(server.peer()), log(net));
                assertFalse(net.knowledge.verified().remembers(server.peer()), "the ban forgot the check");

                // Honest again, it answers the held sequence's first step correctly: the step is
                // checked (a banned server is not verified), and the good answer does not bless it.
                server.service.injectFault(Fault.NONE);
                int checksBefore = second.sessions.get();
                assertSame(expected, net.generate(held, (n, s) -> { }));
                assertTrue(second.sessions.get() > checksBefore, log(net));
                assertFalse(net.knowledge.verified().remembers(server.peer()), log(net));
            }
        }
    }

    @Test
    void aServerWithNoSecondToCheckItIsNotRememberedAsVerified() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork()) {
            InMemoryNetwork.Server only = net.addServer(0, 5, 1e9);
            assertSame(expected, net.remote(FIRST_STEPS));
            assertEquals(1, net.events.stream().filter(e -> e.startsWith("no second server")).count(), log(net));
            assertFalse(net.knowledge.verified().remembers(only.peer()));

            // Once a replica is listed, the next sequence checks the server's first step on it.
            InMemoryNetwork.Server replica = net.addServer(0, 5, 1);
            net.clock.addAndGet(11 * SECOND);
            assertSame(expected, net.remote(FIRST_STEPS));
            assertEquals(1, replica.sessions.get(), log(net));
            assertTrue(net.knowledge.verified().isVerified(only.peer(), 0, 5));
        }
    }
}
