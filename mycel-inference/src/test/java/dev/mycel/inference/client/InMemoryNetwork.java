package dev.mycel.inference.client;

import dev.mycel.inference.Generations;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Block servers and a client in one JVM with no DHT, sockets or TLS: each server a real
 * {@link BlockService} on the shipped model's blocks, reached through {@link InMemorySessionLink}s
 * and listed by an {@link InMemoryServerDirectory}; the client's clock is {@link #clock}, which
 * only moves when a test moves it. Servers can die (their sessions fail, their announcement
 * stays) or be cut off and come back.
 */
final class InMemoryNetwork implements AutoCloseable {
    static final Path MODEL = Generations.MODEL;
    static final String PROMPT = Generations.PROMPT;

    /** Info probes (round-trip times) find nobody: every server reads as equally far. */
    private static final Channel NO_CHANNEL = new Channel() {
        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            throw new IllegalStateException("in-memory servers have no gRPC channel");
        }

        @Override
        public String authority() {
            return "in-memory";
        }
    };

    final class Server {
        final NodeIdentity id = NodeIdentity.generate();
        final ServedBlocks blocks;
        final BlockService service;
        final AtomicBoolean dead = new AtomicBoolean();
        final AtomicBoolean cut = new AtomicBoolean();
        /** Sessions opened on it, or tried while it was cut off or dead. */
        final AtomicInteger sessions = new AtomicInteger();

        Server(ServedBlocks blocks, BlockService service) {
            this.blocks = blocks;
            this.service = service;
        }

        PeerId peer() {
            return id.peerId();
        }

        ServerEntry entry() {
            return new ServerEntry(peer(), "in-memory", 0, service.info());
        }

        /** Abrupt: the server stops and every session with it fails; its announcement stays. */
        void kill() {
            if (!dead.getAndSet(true)) {
                service.close();
            }
        }

        boolean reachable() {
            return !dead.get() && !cut.get();
        }
    }

    final byte[] modelHash;
    final NodeIdentity client = NodeIdentity.generate();
    final InMemoryServerDirectory directory = new InMemoryServerDirectory(client.peerId());
    final List<String> events = new CopyOnWriteArrayList<>();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final ServerKnowledge knowledge = new ServerKnowledge(new ServerListing(clock::get), ConcurrentHashMap.newKeySet(),
            new Latencies(), new ServerBackoff(clock::get), new VerifiedServers(clock::get), s -> true);
    private final Map<PeerId, Server> servers = new ConcurrentHashMap<>();
    private final LoadedModel local;
    private final Map<Long, ServedBlocks> referees = new ConcurrentHashMap<>();
    /** Whether the client has its own copy of blocks to referee disputes with. */
    volatile boolean localReferee;

    InMemoryNetwork() throws IOException {
        this.local = LoadedModel.open(MODEL, 1, new LayerSpan(0, 0, true, true));
        this.modelHash = dev.mycel.inference.ModelHash.of(MODEL);
    }

    /** A server for blocks {@code [first, end)} announcing {@code speed} blocks per second, whose outputs go through {@code tamper}. */
    Server addServer(int first, int end, double speed, UnaryOperator<float[]> tamper) throws IOException {
        ServedBlocks blocks = ServedBlocks.load(MODEL, first, end, 1);
        BlockService service = new BlockService(blocks, ServerLimits.defaults(), tamper);
        service.advertiseSpeed(speed);
        Server s = new Server(blocks, service);
        service.signAs(s.id);
        servers.put(s.peer(), s);
        directory.announce(s.peer(), s::entry);
        return s;
    }

    Server addServer(int first, int end, double speed) throws IOException {
        return addServer(first, end, speed, UnaryOperator.identity());
    }

    ServerLinks links() {
        return new ServerLinks(s -> NO_CHANNEL, this::open);
    }

    private SessionLink open(Hop hop, Duration timeout) {
        Server s = servers.get(hop.server().peer());
        if (s == null) {
            throw new HopFailedException(hop, "UNAVAILABLE: no such server", null);
        }
        s.sessions.incrementAndGet();
        if (!s.reachable()) {
            throw new HopFailedException(hop, "UNAVAILABLE: connection refused", null);
        }
        return InMemorySessionLink.open(hop, s.service, client.peerId(), timeout, s::reachable);
    }

    RemoteSequence sequence(int capacity, RemoteSequence.Options options) {
        Function<Hop, LlamaModel> referee = hop -> localReferee ? referee(hop.first(), hop.end()) : null;
        return new RemoteSequence(local.model(), modelHash, capacity, directory, links(), referee, options, knowledge,
                events::add);
    }

    private LlamaModel referee(int first, int end) {
        return referees.computeIfAbsent(((long) first << 32) | end, k -> {
            try {
                return ServedBlocks.load(MODEL, first, end, 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).span(first, end);
    }

    static GenerationOptions options() {
        return Generations.options();
    }

    /** The generation every test compares with: all in this process. */
    static GenerationResult local() {
        return Generations.local();
    }

    /** The same generation through the servers; {@code hook} runs after each piece of text with the piece's number. */
    GenerationResult remote(RemoteSequence.Options options, java.util.function.BiConsumer<Integer, RemoteSequence> hook) {
        try (RemoteSequence seq = sequence(128, options)) {
            return generate(seq, hook);
        }
    }

    /** The same generation through {@code seq}, a sequence of this network's client opened earlier. */
    GenerationResult generate(RemoteSequence seq, java.util.function.BiConsumer<Integer, RemoteSequence> hook) {
        int[] prompt = local.tokenizer().encode(PROMPT, true, false);
        AtomicInteger pieces = new AtomicInteger();
        return new Generator(local.model(), local.tokenizer()).generate(seq, prompt, options(),
                s -> hook.accept(pieces.incrementAndGet(), seq));
    }

    GenerationResult remote(RemoteSequence.Options options) {
        return remote(options, (n, seq) -> { });
    }

    @Override
    public void close() {
        for (Server s : servers.values()) {
            s.kill();
            s.blocks.close();
        }
        referees.values().forEach(ServedBlocks::close);
        local.close();
    }
}
