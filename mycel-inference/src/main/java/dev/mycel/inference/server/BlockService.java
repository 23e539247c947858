package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import dev.mycel.inference.FrameMessages;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.InputChain;
import dev.mycel.inference.StepSignature;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.Accepted;
import dev.mycel.inference.proto.BlockServerGrpc;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Push;
import dev.mycel.inference.proto.Rejected;
import dev.mycel.inference.proto.InfoRequest;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.Opened;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.proto.StepResult;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.frame.FrameHandler;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.net.tls.TlsContexts;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The server side of distributed inference: one session per client stream (a gRPC stream, or a
 * connection to the server's frame socket, see {@link #sessionProtocol()}), each with its own
 * KV cache reserved from a fixed budget. Steps run one at a time under one lock, on the thread
 * that received them (no hand-off to another thread: each costs tens of microseconds per hop);
 * the kernels use every core already, and steps of different sessions interleave, which keeps
 * a server busy while the others in a route work on their part.
 *
 * <p>A step may name the servers after this one in the client's route: the output is then pushed
 * straight to the next ({@link #PUSH_PROTOCOL}) before the client gets its copy, so a token's
 * hidden states cross the network once per hop plus once back, not twice per hop. A session
 * takes pushed steps only from the server its client named ({@code Accept}), only at the end of
 * its cache and only with a step id newer than any it has seen; it answers them to its client
 * with the SHA-256 of the input, which the client compares with what the server before answered.
 */
public final class BlockService extends BlockServerGrpc.BlockServerImplBase implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlockService.class.getName());

    private volatile ServedBlocks blocks;
    private final ServerLimits limits;
    private final UnaryOperator<float[]> tamper;
    private final java.util.concurrent.locks.ReentrantLock compute = new java.util.concurrent.locks.ReentrantLock(true);
    private volatile boolean closing;
    private final ScheduledExecutorService reaper;
    private final AtomicLong reserved = new AtomicLong();
    private final Map<Session, Boolean> sessions = new ConcurrentHashMap<>();
    private final SpeedMeter speed = new SpeedMeter();
    private volatile double advertisedSpeed;
    private volatile int sessionPort;
    private final AtomicLong frameConnections = new AtomicLong();
    private final AtomicLong pushesSent = new AtomicLong();
    private final AtomicLong pushesTaken = new AtomicLong();
    private final Map<ByteString, Session> tickets = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile PushLinks pushes;
    private volatile UnaryOperator<float[]> pushTamper;
    private volatile Fault fault = Fault.NONE;
    private volatile NodeIdentity identity;
    private final AtomicLong stepsComputed = new AtomicLong();
    /** The gate before one is given: no pushes (see {@link #allowPushes}). */
    private static final Predicate<Forward> NO_PUSHES = f -> false;
    private volatile Predicate<Forward> pushGate = NO_PUSHES;

    /**
     * @param tamper applied to every output before it is sent: the identity for an honest server;
     *               tests use it to play a server that lies
     */
    public BlockService(ServedBlocks blocks, ServerLimits limits, UnaryOperator<float[]> tamper) {
        this.blocks = blocks;
        this.limits = limits;
        this.tamper = tamper;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-reaper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, limits.idleTimeout().toMillis() / 4);
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /** The name of the session protocol on a {@link FrameServer}. */
    public static final String SESSION_PROTOCOL = "mycel/inference-session/1";

    /**
     * The protocol on which servers push outputs to the next server of a route: each frame one
     * {@link Push}, never answered on this connection (the receiving session answers its client).
     */
    public static final String PUSH_PROTOCOL = "mycel/inference-push/1";

    /**
     * How long a session pushes to a target the gate allowed without asking the gate again: a
     * server that leaves the network stops getting pushes this long after the gate learns it.
     */
    private static final long GATE_REUSE_NANOS = 10_000_000_000L;
    /**
     * A step's arrival wakes the compute pool's parked workers this long ahead of its first
     * parallel task, so their wake-up (130 us on a 2-vCPU VM after an idle gap, measured) runs
     * while the step is parsed, checked and decoded instead of after: longer than that takes on
     * cold caches, short enough that a step refused before computing wastes little spinning.
     */
    private static final long WAKE_AHEAD_NANOS = 300_000;

    /** Push connections wait this long for their next frame: well beyond how long senders reuse them. */
    private static final Duration PUSH_IDLE = Duration.ofMinutes(10);

    public BlockService(ServedBlocks blocks, ServerLimits limits) {
        this(blocks, limits, UnaryOperator.identity());
    }

    /** Warm-up passes of {@link #measureSpeed} stop after this many, or {@link #WARMUP_NANOS}. */
    private static final int WARMUP_PASSES = 200;
    /**
     * Long enough for the JIT to compile the kernels (a cold first pass runs 10-50x slower than
     * a warm one, which is what a single measurement used to announce), short enough for a start.
     */
    private static final long WARMUP_NANOS = 1_000_000_000L;
    private static final int TIMED_PASSES = 9;

    /**
     * Measures this server's speed warm: single-token passes through every block until the JIT
     * has compiled them (up to a second), then the median of {@value #TIMED_PASSES} more. Served
     * single-token steps keep it current from then on; {@link #info()} announces the median of the
     * recent ones.
     */
    public double measureSpeed() {
        ServedBlocks b = blocks;
        LlamaModel model = b.span(b.first(), b.end());
        InferenceState s = model.newState(4, 1);
        float[] x = new float[b.config().dim()];
        long start = System.nanoTime();
        for (int i = 0; i < WARMUP_PASSES && System.nanoTime() - start < WARMUP_NANOS; i++) {
            pass(model, s, x);
        }
        for (int i = 0; i < TIMED_PASSES; i++) {
            long t0 = System.nanoTime();
            pass(model, s, x);
            speed.record(b.end() - b.first(), System.nanoTime() - t0);
        }
        return speed.blocksPerSecond();
    }

    /** One token through the blocks at position 0, so the cache never fills. */
    private static void pass(LlamaModel model, InferenceState s, float[] x) {
        java.util.Arrays.fill(x, 0.01f);
        s.rewind(0);
        model.blocks(s, x, 1);
    }

    /**
     * Signs every answer from now on as {@code server} (the node's identity, which clients know
     * it by): a wrong answer can then be proven to anyone (see {@link StepSignature}).
     */
    public void signAs(NodeIdentity server) {
        this.identity = server;
    }

    /**
     * Plays {@code f} from now on (devnets only: the node's config refuses it elsewhere). Steps
     * count from the server's start, so {@code f.afterSteps()} honest ones may already be past.
     */
    public void injectFault(Fault f) {
        this.fault = f;
        if (f.kind() != Fault.Kind.NONE) {
            LOG.warning("fault injection: this server will " + f.kind().word() + " after " + f.afterSteps()
                    + " honest steps");
        }
    }

    /**
     * Announces this speed (blocks of one token per second) instead of the measured one, as an
     * operator may to keep a shared machine from attracting more work than it should take.
     */
    public void advertiseSpeed(double blocksPerSecond) {
        this.advertisedSpeed = blocksPerSecond;
    }

    /**
     * Announces this session port instead of the one the frame socket listens on: for a server
     * reached through a port forward or a relay.
     */
    public void advertiseSessionPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a session port is 1-65535, got " + port);
        }
        this.sessionPort = port;
    }

    public ServerInfo info() {
        ServedBlocks b = blocks;
        long bytesPerPosition = 2L * (b.end() - b.first()) * b.config().kvDim() * Float.BYTES;
        long free = Math.max(0, limits.cacheBytes() - reserved.get());
        return ServerInfo.newBuilder().setModel(ByteString.copyFrom(b.modelHash()))
                .setFirst(b.first()).setEnd(b.end()).setLayers(b.config().layers())
                .setDim(b.config().dim())
                .setBlocksPerSecond(advertisedSpeed > 0 ? advertisedSpeed : speed.blocksPerSecond())
                .setFreeCacheTokens(free / bytesPerPosition).setSessionPort(sessionPort).build();
    }

    private long bytesPerPosition(int layers) {
        return 2L * layers * blocks.config().kvDim() * Float.BYTES;
    }

    public ServedBlocks blocks() {
        return blocks;
    }

    /**
     * Serves another span from now on, if no session is open (sessions keep the blocks they
     * opened on); returns the blocks no longer served, for the caller to close, or null when
     * sessions are open and nothing changed.
     */
    public ServedBlocks replaceBlocks(ServedBlocks next) {
        compute.lock();
        try {
            if (!sessions.isEmpty()) {
                return null;
            }
            ServedBlocks old = blocks;
            blocks = next;
            measureSpeed();
            return old;
        } finally {
            compute.unlock();
        }
    }

    /** Connections to the frame socket served so far (each carries one session). */
    public long frameConnections() {
        return frameConnections.get();
    }

    /** Outputs pushed on to the next server of a route so far. */
    public long pushesSent() {
        return pushesSent.get();
    }

    /** Pushed steps taken (computed and answered to their client) so far. */
    public long pushesTaken() {
        return pushesTaken.get();
    }

    /**
     * Limits where this server pushes outputs: a step naming a next server that {@code gate}
     * refuses is answered as not forwarded, and the client carries it. Push targets come from
     * clients, so a server in a network allows only servers announced there ({@code
     * BlockServerNode} installs that). Until a gate is given it pushes nowhere: a server that
     * takes sessions before it has joined a network must not connect wherever a client names.
     */
    public void allowPushes(Predicate<Forward> gate) {
        this.pushGate = gate;
    }

    /**
     * For tests that play a server pushing other outputs than it answers: applied to pushed
     * outputs only, after {@code tamper}; a function that returns null drops the push and still
     * tells the client it was sent.
     */
    public void tamperPushes(UnaryOperator<float[]> f) {
        this.pushTamper = f;
    }

    public int activeSessions() {
        return sessions.size();
    }

    @Override
    public void info(InfoRequest request, StreamObserver<ServerInfo> out) {
        out.onNext(info());
        out.onCompleted();
    }

    @Override
    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> out) {
        Session s = new Session(new Outbox.GrpcOutbox(out), Caller.current().peer().shortString());
        return new StreamObserver<>() {
            @Override
            public void onNext(SessionRequest request) {
                // gRPC delivers one stream's messages one at a time and in order.
                s.handle(request);
            }

            @Override
            public void onError(Throwable t) {
                s.release();
            }

            @Override
            public void onCompleted() {
                s.end();
            }
        };
    }

    /**
     * The same sessions on a {@link FrameServer} socket: each frame one {@link SessionRequest},
     * each answer one {@link SessionResponse}, read, computed and answered on the connection's
     * own thread. This is the path clients take when the server announces a session port: it
     * skips HTTP/2 and gRPC's thread hand-offs, which cost most of a hop's time per token.
     */
    public FrameHandler sessionProtocol() {
        return conn -> {
            Session s = new Session(new Outbox.FrameOutbox(conn, Thread.currentThread()), conn.caller().peer().shortString());
            frameConnections.incrementAndGet();
            try {
                while (!s.done) {
                    byte[] frame = conn.read();
                    if (frame == null) {
                        s.end();
                        return;
                    }
                    SessionRequest request;
                    try {
                        request = FrameMessages.parse(frame, SessionRequest.parser());
                    } catch (InvalidProtocolBufferException e) {
                        s.fail(Status.INVALID_ARGUMENT.withDescription("malformed session request: " + e.getMessage()));
                        return;
                    }
                    s.handle(request);
                }
            } finally {
                s.release();
            }
        };
    }

    /**
     * Opens this server's frame socket for sessions and announces its port in {@link #info()};
     * the caller closes it (before this service).
     */
    public FrameServer listen(TlsContexts tls, InetSocketAddress bind, FrameLimits limits) throws IOException {
        FrameServer server = FrameServer.start(tls, bind,
                Map.of(SESSION_PROTOCOL, sessionProtocol(), PUSH_PROTOCOL, pushProtocol()), limits);
        pushes = new PushLinks(tls, limits.maxFrameBytes());
        sessionPort = server.port();
        return server;
    }

    /**
     * Pushed steps from the server before this one in a route. A push for an unknown session is
     * dropped (its client sends the step itself once the wait is over); one that the session
     * refuses is answered to the session's client as {@code Rejected}; an undecodable frame ends
     * the connection.
     */
    public FrameHandler pushProtocol() {
        return conn -> {
            conn.timeout(PUSH_IDLE);
            PeerId from = conn.caller().peer();
            while (!closing) {
                byte[] frame = conn.read();
                if (frame == null) {
                    return;
                }
                Push push;
                try {
                    push = FrameMessages.parse(frame, Push.parser());
                } catch (InvalidProtocolBufferException e) {
                    LOG.fine(() -> "malformed push from " + from.shortString() + ": " + e.getMessage());
                    return;
                }
                Session s = tickets.get(push.getTicket());
                if (s == null) {
                    LOG.fine(() -> "push from " + from.shortString() + " for no open session");
                    continue;
                }
                s.handlePush(push.getStep(), from);
            }
        };
    }

    private void closeIdle() {
        // Under the compute lock, so a session is never freed in the middle of a step.
        compute.lock();
        try {
            long now = System.nanoTime();
            for (Session s : sessions.keySet()) {
                if (now - s.lastUsed > limits.idleTimeout().toNanos()) {
                    s.fail(Status.DEADLINE_EXCEEDED.withDescription("session idle for more than "
                            + limits.idleTimeout().toSeconds() + " s; its cache was freed"));
                }
            }
        } finally {
            compute.unlock();
        }
    }

    private final class Session {
        private final Outbox out;
        private final String who;
        private ByteString ticket = ByteString.EMPTY;
        /** The one server whose pushes this session takes; null: none. */
        private PeerId acceptFrom;
        /** The newest step id seen; pushes must be newer, so a late or replayed push is never run. */
        private long lastId = -1;
        private LlamaModel model;
        private InferenceState state;
        /** The session's span and the chained hash of its inputs, which every answer is signed over. */
        private int first;
        private int end;
        private InputChain chain;
        private long reservedBytes;
        private volatile long lastUsed = System.nanoTime();
        private volatile boolean done;
        private float[] x;
        /** The push target the gate last allowed, with what it was checked against (see pushTarget). */
        private PushLinks.Target allowedTarget;
        private ByteString allowedPeer;
        private Predicate<Forward> allowedGate;
        private long allowedAt;

        Session(Outbox out, String who) {
            this.out = out;
            this.who = who;
        }

        void handle(SessionRequest request) {
            lastUsed = System.nanoTime();
            if (model != null && request.hasStep()) {
                model.pool().wake(WAKE_AHEAD_NANOS);
            }
            Delivery delivery = null;
            compute.lock();
            try {
                if (done || closing) {
                    return;
                }
                try {
                    switch (request.getKindCase()) {
                        case OPEN -> open(request.getOpen());
                        case STEP -> delivery = step(request.getStep(), lastUsed, false);
                        case ACCEPT -> accept(request.getAccept());
                        default -> throw Status.INVALID_ARGUMENT.withDescription("empty session request").asRuntimeException();
                    }
                } catch (StatusRuntimeException e) {
                    fail(e.getStatus());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                } catch (OutOfMemoryError e) {
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("the server ran out of memory for this session"));
                }
            } finally {
                compute.unlock();
            }
            if (delivery != null) {
                deliver(delivery);
            }
        }

        /**
         * What a computed step still sends once the compute lock is free: the push to the next
         * server (null: none; {@code claimOnly}: none, though the client is told one went, for
         * tests), then the answer, built only after the push has left. Sending outside the lock
         * keeps a next server that reads slowly from stalling other sessions' steps.
         */
        private record Delivery(PushLinks.Target to, byte[] push, boolean claimOnly, long id, ByteString hidden,
                                long computeNanos, ByteString inputSha256, Claim claim) {
        }

        /** What the answer's signature says the step was: where, how long, on which inputs. */
        private record Claim(int position, int tokens, byte[] inputsSha256) {
        }

        private void deliver(Delivery d) {
            boolean forwarded = d.claimOnly();
            PushLinks links = pushes;
            if (d.push() != null && links != null) {
                forwarded = links.push(d.to(), d.push());
            }
            if (forwarded) {
                pushesSent.incrementAndGet();
            }
            StepResult.Builder r = StepResult.newBuilder().setId(d.id()).setHidden(d.hidden())
                    .setComputeNanos(d.computeNanos()).setForwarded(forwarded);
            NodeIdentity id = identity;
            if (id != null) {
                // Signed outside the compute lock, like the push: a signature costs tens of microseconds.
                Claim c = d.claim();
                r.setSignature(ByteString.copyFrom(StepSignature.sign(id, blocks.modelHash(), first, end, c.position(),
                        c.tokens(), c.inputsSha256(), HiddenStates.sha256(d.hidden()))));
            }
            if (d.inputSha256() != null) {
                r.setInputSha256(d.inputSha256());
            }
            out.send(SessionResponse.newBuilder().setResult(r).build());
        }

        private void open(Open o) {
            if (model != null) {
                throw Status.FAILED_PRECONDITION.withDescription("session already open").asRuntimeException();
            }
            if (!blocks.isModel(o.getModel().toByteArray())) {
                throw Status.NOT_FOUND.withDescription("this server does not serve that model").asRuntimeException();
            }
            if (o.getMaxPositions() < 1 || o.getMaxPositions() > limits.maxPositions()) {
                throw Status.OUT_OF_RANGE.withDescription("a session may hold 1.." + limits.maxPositions()
                        + " positions here, asked for " + o.getMaxPositions()).asRuntimeException();
            }
            LlamaModel m = blocks.span(o.getFirst(), o.getEnd());
            long need = bytesPerPosition(o.getEnd() - o.getFirst()) * o.getMaxPositions();
            long after = reserved.addAndGet(need);
            if (after > limits.cacheBytes()) {
                reserved.addAndGet(-need);
                throw Status.RESOURCE_EXHAUSTED.withDescription("server cache full: the session needs " + need / 1024
                        + " KiB of KV cache, " + Math.max(0, limits.cacheBytes() - after + need) / 1024
                        + " KiB are free; try another server or a shorter context").asRuntimeException();
            }
            reservedBytes = need;
            sessions.put(this, Boolean.TRUE);
            model = m;
            first = o.getFirst();
            end = o.getEnd();
            chain = new InputChain(m.config().dim() * Float.BYTES);
            state = m.newState(o.getMaxPositions());
            state.cache().ensureCapacity(o.getMaxPositions());
            x = new float[state.maxBatch() * m.config().dim()];
            if (pushes != null) {
                byte[] t = new byte[16];
                random.nextBytes(t);
                ticket = ByteString.copyFrom(t);
                tickets.put(ticket, this);
            }
            LOG.fine(() -> "session opened by " + who + " for blocks " + o.getFirst() + ".." + (o.getEnd() - 1));
            out.send(SessionResponse.newBuilder().setOpened(Opened.newBuilder().setReservedBytes(need)
                    .setTicket(ticket)).build());
        }

        private void accept(Accept a) {
            if (model == null) {
                throw Status.FAILED_PRECONDITION.withDescription("open the session before naming who may push to it")
                        .asRuntimeException();
            }
            acceptFrom = a.getPeer().isEmpty() ? null : PeerId.ofRawKey(a.getPeer().toByteArray());
            out.send(SessionResponse.newBuilder().setAccepted(Accepted.getDefaultInstance()).build());
        }

        /** A step pushed by {@code from}: run if this session takes it, else Rejected to the client. */
        void handlePush(Step st, PeerId from) {
            long arrived = System.nanoTime();
            lastUsed = arrived;
            if (model != null) {
                model.pool().wake(WAKE_AHEAD_NANOS);
            }
            Delivery delivery = null;
            compute.lock();
            try {
                if (done || closing || model == null) {
                    return;
                }
                String refusal = null;
                if (!from.equals(acceptFrom)) {
                    refusal = "this session takes no pushed steps from " + from.shortString();
                } else if (st.getId() <= lastId) {
                    refusal = "pushed step " + st.getId() + " is not newer than step " + lastId;
                } else if (st.getPosition() != state.position()) {
                    refusal = "pushed step at position " + st.getPosition() + " but the cache ends at " + state.position();
                }
                if (refusal == null) {
                    try {
                        delivery = step(st, arrived, true);
                        pushesTaken.incrementAndGet();
                        return; // a null delivery (a fault played) answers nothing
                    } catch (StatusRuntimeException e) {
                        refusal = e.getStatus().getDescription();
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        refusal = e.getMessage();
                    }
                }
                out.send(SessionResponse.newBuilder().setRejected(Rejected.newBuilder().setId(st.getId())
                        .setReason(refusal == null ? "refused" : refusal)).build());
            } catch (OutOfMemoryError e) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription("the server ran out of memory for this session"));
            } finally {
                compute.unlock();
                if (delivery != null) {
                    deliver(delivery);
                }
            }
        }

        /**
         * A step that arrived at {@code arrived} (nanoTime), which its reported compute time counts
         * from; {@code pushed} when it came from the server before rather than the client. Null
         * when an injected fault answers nothing.
         */
        private Delivery step(Step st, long arrived, boolean pushed) {
            if (model == null) {
                throw Status.FAILED_PRECONDITION.withDescription("open the session before sending steps").asRuntimeException();
            }
            LlamaConfig c = model.config();
            int n = st.getTokens();
            if (n < 1) {
                throw Status.INVALID_ARGUMENT.withDescription("a step has at least one token").asRuntimeException();
            }
            if (st.getPosition() > state.position()) {
                throw Status.FAILED_PRECONDITION.withDescription("step at position " + st.getPosition() + " but the cache holds "
                        + state.position() + "; replay the missing positions first").asRuntimeException();
            }
            if ((long) st.getPosition() + n > state.cache().maxPositions()) {
                throw Status.OUT_OF_RANGE.withDescription("the session's context of " + state.cache().maxPositions()
                        + " positions is full").asRuntimeException();
            }
            if (st.getHidden().size() != (long) n * c.dim() * Float.BYTES) {
                throw Status.INVALID_ARGUMENT.withDescription("hidden states of " + st.getHidden().size() + " bytes, expected "
                        + (long) n * c.dim() * Float.BYTES).asRuntimeException();
            }
            if (st.getForwardCount() >= blocks.config().layers()) {
                throw Status.INVALID_ARGUMENT.withDescription("a step may name at most " + (blocks.config().layers() - 1)
                        + " servers to push to").asRuntimeException();
            }
            lastId = Math.max(lastId, st.getId());
            state.rewind(st.getPosition());
            chain.rewind(st.getPosition());
            chain.append(st.getHidden(), n);
            // Hashed now, while the input is still in the cache; the blocks will have evicted it.
            ByteString inputSha256 = pushed ? ByteString.copyFrom(HiddenStates.sha256(st.getHidden())) : null;
            PushLinks.Target to = st.getForwardCount() > 0 ? pushTarget(st.getForward(0)) : null;
            float[] all = new float[n * c.dim()];
            HiddenStates.decode(st.getHidden(), n, c.dim(), all);
            long computeStart = System.nanoTime();
            for (int done = 0; done < n; ) {
                int batch = Math.min(state.maxBatch(), n - done);
                System.arraycopy(all, done * c.dim(), x, 0, batch * c.dim());
                model.blocks(state, x, batch);
                System.arraycopy(x, 0, all, done * c.dim(), batch * c.dim());
                done += batch;
            }
            if (n == 1) {
                speed.record(model.weights().layers().length, System.nanoTime() - computeStart);
            }
            float[] result = tamper.apply(all);
            switch (fault.at(stepsComputed.incrementAndGet())) {
                case NONE -> { }
                case PERTURB -> Fault.perturb(result, c.dim());
                case STALL -> {
                    return null; // computed and never answered
                }
                case DROP -> {
                    fail(Status.UNAVAILABLE.withDescription("the server dropped the session"));
                    return null;
                }
            }
            Claim claim = new Claim(st.getPosition(), n, chain.current());
            Delivery d = to == null ? answerOnly(st, n, result, arrived, inputSha256, claim)
                    : withPush(st, to, n, result, arrived, inputSha256, claim);
            // Compute time ends here: the push is network time, and the next server counts its
            // own time from the push's arrival.
            lastUsed = System.nanoTime();
            return d;
        }

        private Delivery answerOnly(Step st, int n, float[] result, long arrived, ByteString inputSha256, Claim claim) {
            ByteString hidden = HiddenStates.encode(result, n, blocks.config().dim());
            return new Delivery(null, null, false, st.getId(), hidden, System.nanoTime() - arrived, inputSha256, claim);
        }

        private Delivery withPush(Step st, PushLinks.Target to, int n, float[] result, long arrived,
                                  ByteString inputSha256, Claim claim) {
            Forward next = st.getForward(0);
            List<Forward> rest = st.getForwardList().subList(1, st.getForwardCount());
            int dim = blocks.config().dim();
            UnaryOperator<float[]> t = pushTamper;
            if (t == null) {
                PushFrame f = PushFrame.encode(next.getTicket(), next.getId(), st.getPosition(), n, result, dim, rest);
                return new Delivery(to, f.frame(), false, st.getId(), f.hidden(), System.nanoTime() - arrived, inputSha256, claim);
            }
            float[] changed = t.apply(result.clone());
            ByteString hidden = HiddenStates.encode(result, n, dim);
            long nanos = System.nanoTime() - arrived;
            if (changed == null) {
                return new Delivery(null, null, true, st.getId(), hidden, nanos, inputSha256, claim); // a lying server's claim
            }
            byte[] frame = PushFrame.encode(next.getTicket(), next.getId(), st.getPosition(), n, changed, dim, rest)
                    .frame();
            return new Delivery(to, frame, false, st.getId(), hidden, nanos, inputSha256, claim);
        }

        /**
         * Where to push for a step naming {@code f} first, or null where this server does not
         * push there. A target the gate allowed is kept for {@link #GATE_REUSE_NANOS}, so steps
         * after the first do not ask the gate again between the blocks and the push; a refused
         * one is asked about again at every step (the network may announce it meanwhile).
         */
        private PushLinks.Target pushTarget(Forward f) {
            if (pushes == null) {
                return null;
            }
            Predicate<Forward> gate = pushGate;
            long now = System.nanoTime();
            PushLinks.Target kept = allowedTarget;
            if (kept != null && allowedGate == gate && now - allowedAt < GATE_REUSE_NANOS && kept.port() == f.getPort()
                    && kept.host().equals(f.getHost()) && allowedPeer.equals(f.getPeer())) {
                return kept;
            }
            allowedTarget = null;
            if (!gate.test(f)) {
                return null;
            }
            PushLinks.Target t = PushLinks.target(f);
            if (t != null) {
                allowedTarget = t;
                allowedPeer = f.getPeer();
                allowedGate = gate;
                allowedAt = now;
            }
            return t;
        }

        void fail(Status status) {
            if (release()) {
                out.fail(status);
            }
        }

        private synchronized boolean release() {
            if (done) {
                return false;
            }
            done = true;
            sessions.remove(this);
            tickets.remove(ticket);
            reserved.addAndGet(-reservedBytes);
            reservedBytes = 0;
            state = null;
            return true;
        }

        void end() {
            if (release()) {
                out.end();
            }
        }
    }

    /** Waits for the step in progress, then ends every session, so the weights can be freed after. */
    @Override
    public void close() {
        closing = true;
        reaper.shutdownNow();
        if (pushes != null) {
            pushes.close();
        }
        boolean locked = false;
        try {
            locked = compute.tryLock(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            for (Session s : sessions.keySet()) {
                s.fail(Status.UNAVAILABLE.withDescription("the server is shutting down"));
            }
        } finally {
            if (locked) {
                compute.unlock();
            }
        }
    }
}
