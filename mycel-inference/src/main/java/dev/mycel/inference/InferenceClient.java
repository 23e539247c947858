package dev.mycel.inference;

import dev.mycel.inference.client.DisputeJudge;
import dev.mycel.inference.client.Latencies;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.ReportChecker;
import dev.mycel.inference.client.ServerBackoff;
import dev.mycel.inference.client.ServerKnowledge;
import dev.mycel.inference.client.ServerListing;
import dev.mycel.inference.client.ServerLinks;
import dev.mycel.inference.client.VerifiedServers;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The client side of a model served by the network: this process holds the embedding, the head
 * and the tokenizer (read from its copy of the model file, nothing else), finds block servers
 * through the DHT and runs sequences through them. Servers caught lying stay banned for the
 * client's lifetime; before a server is first used, the reports filed against it are read and
 * checked here ({@link ReportChecker}). Block spans are loaded locally only to referee a
 * disputed step or check a report.
 */
public final class InferenceClient implements AutoCloseable {
    private final Path modelFile;
    private final byte[] modelHash;
    private final LoadedModel local;
    private final PeerChannels channels;
    private final ServerLinks links;
    private final DhtServerDirectory directory;
    private final Set<PeerId> banned = ConcurrentHashMap.newKeySet();
    private final ServerKnowledge knowledge;
    private final Map<Long, ServedBlocks> referees = new ConcurrentHashMap<>();
    private final int threads;
    private volatile Consumer<String> events = e -> { };

    public InferenceClient(NodeIdentity identity, DhtNode dht, Path modelFile, int threads, NetLimits limits)
            throws IOException {
        this(identity, dht, modelFile, threads, limits, true);
    }

    /**
     * @param framedSessions whether sessions go to a server's frame socket where it announces one
     *                       (false: always gRPC streams, slower per token; for comparisons)
     */
    public InferenceClient(NodeIdentity identity, DhtNode dht, Path modelFile, int threads, NetLimits limits,
                           boolean framedSessions) throws IOException {
        this(identity, dht, modelFile, LoadedModel.open(modelFile, threads, new LayerSpan(0, 0, true, true)), limits,
                framedSessions);
    }

    /**
     * A client whose embedding and head are {@code local} (a model holding them, which the client
     * closes with itself), for instance a part of a model loaded in this process already
     * ({@link LoadedModel#share}).
     */
    public InferenceClient(NodeIdentity identity, DhtNode dht, Path modelFile, LoadedModel local, NetLimits limits,
                           boolean framedSessions) throws IOException {
        // The client owns local from here: whatever fails before it is built closes it.
        try {
            if (!local.model().weights().hasEmbedding() || !local.model().weights().hasHead()) {
                throw new IllegalArgumentException("the client needs the model's embedding and head");
            }
            this.modelFile = modelFile;
            this.modelHash = ModelHash.of(modelFile);
            this.threads = local.pool().threads();
            this.local = local;
            TlsContexts tls = new TlsContexts(identity);
            this.channels = new PeerChannels(tls, limits, 64);
            this.links = new ServerLinks(tls, channels, framedSessions);
            this.directory = new DhtServerDirectory(dht);
            DisputeJudge judge = new DisputeJudge(local.model(), modelHash, hop -> referee(hop.first(), hop.end()));
            this.knowledge = new ServerKnowledge(new ServerListing(), banned, new Latencies(), new ServerBackoff(),
                    new VerifiedServers(),
                    new ReportChecker(directory, judge, e -> events.accept(e)));
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
    }

    public void onEvent(Consumer<String> log) {
        this.events = log;
    }

    public byte[] modelHash() {
        return modelHash.clone();
    }

    public LlamaModel localModel() {
        return local.model();
    }

    public Tokenizer tokenizer() {
        return local.tokenizer();
    }

    public Set<PeerId> banned() {
        return banned;
    }

    /** A new sequence of up to {@code capacity} positions, routed through the servers found now. */
    public RemoteSequence sequence(int capacity, RemoteSequence.Options options) {
        return new RemoteSequence(local.model(), modelHash, capacity, directory,
                links, hop -> referee(hop.first(), hop.end()),
                options, knowledge, e -> events.accept(e));
    }

    private LlamaModel referee(int first, int end) {
        try {
            ServedBlocks b = referees.computeIfAbsent(((long) first << 32) | end, k -> {
                try {
                    return ServedBlocks.load(modelFile, first, end, threads);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return b.span(first, end);
        } catch (java.io.UncheckedIOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        links.close();
        channels.close();
        referees.values().forEach(ServedBlocks::close);
        local.close();
    }
}
