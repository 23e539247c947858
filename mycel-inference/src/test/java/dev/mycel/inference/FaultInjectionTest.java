package dev.mycel.inference;

import static dev.mycel.inference.Generations.assertSame;
import static dev.mycel.inference.Generations.local;
import static dev.mycel.inference.Generations.remote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.inference.client.TaintedHistoryException;
import dev.mycel.inference.server.Fault;
import dev.mycel.model.generate.GenerationResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Block servers playing each injected fault (what `mycel devnet --fault` turns on) against a
 * client: a perturbing one is caught by the spot checks and banned, a stalling one costs a step
 * timeout and a fail-over, a dropping one a fail-over; the answer keeps the bits of one process.
 */
class FaultInjectionTest {
    /** The faulty server, fastest of all, so the route goes through it. */
    private static InferenceNetwork.Server faulty(InferenceNetwork net, Fault fault) throws Exception {
        InferenceNetwork.Server s = net.addServer(0, 5);
        s.service().injectFault(fault);
        s.service().advertiseSpeed(1e9);
        s.announcer().announce();
        return s;
    }

    /** An honest server, announced as slow (half a second a token), so that routes prefer the faulty one. */
    private static void honest(InferenceNetwork net) throws Exception {
        InferenceNetwork.Server s = net.addServer(0, 5);
        s.service().advertiseSpeed(10);
        s.announcer().announce();
    }

    @Test
    void aPerturbingServerIsCaughtAndBanned() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            honest(net);
            honest(net);
            InferenceNetwork.Server liar = faulty(net, new Fault(Fault.Kind.PERTURB, 0));
            RemoteSequence.Options checked = RemoteSequence.Options.defaults().withSpotChecks(new SpotCheckPolicy(0.5, 3));
            assertSame(expected, remote(net, checked, (n, seq) -> { }));
            assertTrue(net.client().banned().contains(liar.dht().id()), String.join("\n", net.events));
        }
    }

    /**
     * A server that turns to lying after its first, checked, steps: some of its wrong outputs
     * are used before a later check catches it. The client bans it and says the generation must
     * start again, rather than return text sampled from wrong logits.
     */
    @Test
    void aServerThatStartsLyingLaterIsCaughtAndTheTaintedGenerationRefused() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            honest(net);
            honest(net);
            InferenceNetwork.Server liar = faulty(net, new Fault(Fault.Kind.PERTURB, 3));
            RemoteSequence.Options checked = RemoteSequence.Options.defaults().withSpotChecks(new SpotCheckPolicy(0.5, 3));
            TaintedHistoryException e = assertThrows(TaintedHistoryException.class,
                    () -> remote(net, checked, (n, seq) -> { }));
            assertTrue(e.getMessage().contains("start the generation again"), e.getMessage());
            assertTrue(net.client().banned().contains(liar.dht().id()), String.join("\n", net.events));
            // The next generation avoids the liar from its first step.
            assertSame(local(), remote(net, checked, (n, seq) -> { }));
        }
    }

    @Test
    void aStallingServerCostsAStepTimeoutAndAFailover() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            honest(net);
            InferenceNetwork.Server stalling = faulty(net, new Fault(Fault.Kind.STALL, 10));
            RemoteSequence.Options quick = RemoteSequence.Options.defaults().withStepTimeout(Duration.ofSeconds(2));
            assertSame(expected, remote(net, quick, (n, seq) -> { }));
            assertTrue(net.events.stream().anyMatch(e -> e.contains("server " + stalling.dht().id().shortString())
                    && e.contains("failed") && e.contains("re-routing")), String.join("\n", net.events));
            assertTrue(net.client().banned().isEmpty(), "stalling is not lying");
        }
    }

    @Test
    void aDroppingServerCostsAFailover() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            honest(net);
            InferenceNetwork.Server dropping = faulty(net, new Fault(Fault.Kind.DROP, 5));
            assertSame(expected, remote(net, RemoteSequence.Options.defaults(), (n, seq) -> { }));
            assertTrue(net.events.stream().anyMatch(e -> e.contains("dropped the session") && e.contains("re-routing")),
                    String.join("\n", net.events));
            assertEquals(0, dropping.service().activeSessions());
        }
    }

    @Test
    void faultsNeedAKnownModeAndANonNegativeCount() {
        assertEquals(Fault.Kind.STALL, Fault.kind("stall"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fault.kind("lie"));
        assertTrue(e.getMessage().contains("none, perturb, stall or drop"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Fault(Fault.Kind.DROP, -1));
    }
}
