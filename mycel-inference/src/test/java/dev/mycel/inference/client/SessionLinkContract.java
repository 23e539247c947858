package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.NodeIdentity;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionLink} does, whatever the wire: a real {@link BlockService} on the
 * shipped model's blocks behind it, driven through {@link HopStream} as the client drives it.
 * Steps come back in order with the bits of local computation; an answer of the wrong size or
 * out of turn, an error from the server, and a server that goes away mid-session are all
 * {@link HopFailedException}s naming the hop, the last well within the step timeout; closing
 * twice is harmless. Each wire's test class says how it connects and how its server goes away.
 */
abstract class SessionLinkContract {
    /** Long enough for any step of the shipped model on a loaded machine; a hang would pass it. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BLOCKS = 5;
    private static final int PROMPT_TOKENS = 4;

    private static ServedBlocks blocks;
    private static LoadedModel embedding;
    private static byte[] model;
    protected final NodeIdentity serverId = NodeIdentity.generate();
    protected final NodeIdentity clientId = NodeIdentity.generate();
    protected BlockService service;
    private int dim;

    @BeforeAll
    static void load() throws IOException {
        blocks = ServedBlocks.load(InMemoryNetwork.MODEL, 0, BLOCKS, 1);
        embedding = LoadedModel.open(InMemoryNetwork.MODEL, 1, new LayerSpan(0, 0, true, false));
        model = ModelHash.of(InMemoryNetwork.MODEL);
    }

    @AfterAll
    static void unload() {
        blocks.close();
        embedding.close();
    }

    @BeforeEach
    void startServer() throws Exception {
        service = new BlockService(blocks, ServerLimits.defaults(), UnaryOperator.identity());
        service.advertiseSpeed(100);
        service.signAs(serverId);
        dim = blocks.config().dim();
        start();
    }

    @AfterEach
    void stopServer() {
        goAway();
    }

    /** Starts serving {@link #service} on this wire. */
    abstract void start() throws Exception;

    /** A new session link to the server for {@code hop}. */
    abstract SessionLink connect(Hop hop, Duration timeout) throws Exception;

    /** The server goes away at once, as a process that dies: connections and sessions end. Called again at the end. */
    abstract void goAway();

    /** How the client finds the server on this wire. */
    abstract ServerEntry entry();

    private Hop hop() {
        return new Hop(entry(), 0, BLOCKS);
    }

    private HopStream open(int bytesPerToken) throws Exception {
        Hop hop = hop();
        return HopStream.open(hop, connect(hop, TIMEOUT), model, 64, bytesPerToken);
    }

    private ByteString embed(int first, int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = first + i;
        }
        float[] x = new float[n * dim];
        embedding.model().embed(tokens, 0, n, x);
        return HiddenStates.encode(x, n, dim);
    }

    @Test
    void stepsComeBackInOrderWithTheBitsOfLocalComputation() throws Exception {
        LlamaModel span = blocks.span(0, BLOCKS);
        InferenceState state = span.newState(64);
        try (HopStream s = open(dim * Float.BYTES)) {
            ByteString prompt = embed(10, PROMPT_TOKENS);
            ByteString next = embed(30, 1);
            ByteString got1 = s.step(0, PROMPT_TOKENS, prompt);
            ByteString got2 = s.step(PROMPT_TOKENS, 1, next);
            assertEquals(PROMPT_TOKENS + 1, s.position());

            float[] x = new float[PROMPT_TOKENS * dim];
            HiddenStates.decode(prompt, PROMPT_TOKENS, dim, x);
            span.blocks(state, x, PROMPT_TOKENS);
            assertArrayEquals(HiddenStates.encode(x, PROMPT_TOKENS, dim).toByteArray(), got1.toByteArray());
            float[] y = new float[dim];
            HiddenStates.decode(next, 1, dim, y);
            span.blocks(state, y, 1);
            assertArrayEquals(HiddenStates.encode(y, 1, dim).toByteArray(), got2.toByteArray());
        }
    }

    @Test
    void anAnswerOfTheWrongSizeIsAHopFailureNamingTheHop() throws Exception {
        // The client expects one float more per token than the server's blocks give.
        try (HopStream s = open(dim * Float.BYTES + Float.BYTES)) {
            HopFailedException e = assertThrows(HopFailedException.class, () -> s.step(0, 1, embed(5, 1)));
            assertTrue(e.getMessage().startsWith(hop().toString() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("bytes of hidden states"), e.getMessage());
        }
    }

    @Test
    void anAnswerOutOfTurnIsAHopFailure() throws Exception {
        Hop hop = hop();
        SessionLink link = connect(hop, TIMEOUT);
        try (HopStream s = HopStream.open(hop, link, model, 64, dim * Float.BYTES)) {
            // An answer the stream did not ask for is waiting ahead of the step's.
            link.send(SessionRequest.newBuilder().setAccept(Accept.getDefaultInstance()).build());
            HopFailedException e = assertThrows(HopFailedException.class, () -> s.step(0, 1, embed(5, 1)));
            assertTrue(e.getMessage().contains("out of turn"), e.getMessage());
            assertEquals(hop, e.hop());
        }
    }

    @Test
    void theServersRefusalIsAHopFailureWithItsCode() throws Exception {
        Hop hop = hop();
        byte[] other = model.clone();
        other[0] ^= 1;
        HopFailedException e = assertThrows(HopFailedException.class,
                () -> HopStream.open(hop, connect(hop, TIMEOUT), other, 64, dim * Float.BYTES));
        assertEquals(Status.Code.NOT_FOUND, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(hop + ": NOT_FOUND"), e.getMessage());
    }

    @Test
    void aServerThatGoesAwayMidSessionIsAHopFailureWellWithinTheTimeout() throws Exception {
        try (HopStream s = open(dim * Float.BYTES)) {
            s.step(0, PROMPT_TOKENS, embed(10, PROMPT_TOKENS));
            goAway();
            long t0 = System.nanoTime();
            HopFailedException e = assertTimeoutPreemptively(TIMEOUT.plusSeconds(5),
                    () -> assertThrows(HopFailedException.class, () -> s.step(PROMPT_TOKENS, 1, embed(30, 1))));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < TIMEOUT.toMillis() / 2, "took " + ms + " ms to notice");
            assertTrue(e.getMessage().startsWith(hop().toString() + ": "), e.getMessage());
        }
    }

    @Test
    void closingTwiceIsHarmlessAndAClosedLinkFails() throws Exception {
        Hop hop = hop();
        SessionLink link = connect(hop, TIMEOUT);
        HopStream s = HopStream.open(hop, link, model, 64, dim * Float.BYTES);
        s.step(0, 1, embed(5, 1));
        s.close();
        assertDoesNotThrow(s::close);
        assertDoesNotThrow(link::close);
        HopFailedException e = assertThrows(HopFailedException.class, () -> s.step(1, 1, embed(6, 1)));
        assertEquals(hop, e.hop());
    }
}
