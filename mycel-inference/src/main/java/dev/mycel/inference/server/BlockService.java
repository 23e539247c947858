package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import dev.mycel.inference.StepSignature;
import dev.mycel.inference.proto.BlockServerGrpc;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.InfoRequest;
import dev.mycel.inference.proto.Push;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.frame.FrameHandler;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
 *
 * <p>This class is the server's face (the gRPC methods, what the node sets and reads) and its
 * wiring; the parts are, by role: {@link ServerSession} (one session's state and requests),
 * {@link StepRunner} (a step's computation and signed answer), {@link SessionWire} (the gRPC
 * stream, frame-socket and push-connection loops), {@link ServerState} (the lock, the cache
 * budget, tickets and counters they share), {@link SpeedMeter} and {@link PushLinks}.
 */
public final class BlockService extends BlockServerGrpc.BlockServerImplBase implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlockService.class.getName());

    /** The name of the session protocol on a {@link FrameServer}. */
    public static final String SESSION_PROTOCOL = "mycel/inference-session/1";

    /**
     * The protocol on which servers push outputs to the next server of a route: each frame one
     * {@link Push}, never answered on this connection (the receiving session answers its client).
     */
    public static final String PUSH_PROTOCOL = "mycel/inference-push/1";

    private final ServerState server;
    private final SessionWire wire;
    private final ScheduledExecutorService reaper;
    private volatile double advertisedSpeed;
    private volatile int sessionPort;

    /**
     * @param tamper applied to every output before it is sent: the identity for an honest server;
     *               tests use it to play a server that lies
     */
    public BlockService(ServedBlocks blocks, ServerLimits limits, UnaryOperator<float[]> tamper) {
        this(blocks, limits, tamper, System::nanoTime, PushLinks::inBackground);
    }

    /**
     * As {@link #BlockService(ServedBlocks, ServerLimits, UnaryOperator)}, with the clock that the
     * push gate's memory and the push connections' reuse, retry and attempt cap read, and the
     * executor that opens push connections (a virtual thread each otherwise). Tests pass a clock
     * they advance and a direct executor, so a push connection is up by the next step and nothing
     * sleeps; idle sessions are still timed by the system clock.
     */
    public BlockService(ServedBlocks blocks, ServerLimits limits, UnaryOperator<float[]> tamper, LongSupplier pushClock,
                        Executor pushConnector) {
        this.server = new ServerState(blocks, limits, tamper, pushClock, pushConnector);
        this.wire = new SessionWire(server, new StepRunner(server));
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-reaper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, limits.idleTimeout().toMillis() / 4);
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
    }

    public BlockService(ServedBlocks blocks, ServerLimits limits) {
        this(blocks, limits, UnaryOperator.identity());
    }

    /**
     * Measures this server's speed warm: single-token passes through every block until the JIT
     * has compiled them (up to a second), then the median of nine more (see {@link SpeedMeter}).
     * Served single-token steps keep it current from then on; {@link #info()} announces the
     * median of the recent ones.
     */
    public double measureSpeed() {
        return server.speed.measure(server.blocks);
    }

    /**
     * Signs every answer from now on as {@code server} (the node's identity, which clients know
     * it by): a wrong answer can then be proven to anyone (see {@link StepSignature}).
     */
    public void signAs(NodeIdentity server) {
        this.server.identity = server;
    }

    /**
     * Plays {@code f} from now on (devnets only: the node's config refuses it elsewhere). Steps
     * count from the server's start, so {@code f.afterSteps()} honest ones may already be past.
     */
    public void injectFault(Fault f) {
        server.fault = f;
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
        ServedBlocks b = server.blocks;
        long bytesPerPosition = 2L * (b.end() - b.first()) * b.config().kvDim() * Float.BYTES;
        long free = Math.max(0, server.limits.cacheBytes() - server.reserved.get());
        return ServerInfo.newBuilder().setModel(ByteString.copyFrom(b.modelHash()))
                .setFirst(b.first()).setEnd(b.end()).setLayers(b.config().layers())
                .setDim(b.config().dim())
                .setBlocksPerSecond(advertisedSpeed > 0 ? advertisedSpeed : server.speed.blocksPerSecond())
                .setFreeCacheTokens(free / bytesPerPosition).setSessionPort(sessionPort).build();
    }

    public ServedBlocks blocks() {
        return server.blocks;
    }

    /**
     * Serves another span from now on, if no session is open (sessions keep the blocks they
     * opened on); returns the blocks no longer served, for the caller to close, or null when
     * sessions are open and nothing changed.
     */
    public ServedBlocks replaceBlocks(ServedBlocks next) {
        server.compute.lock();
        try {
            if (!server.sessions.isEmpty()) {
                return null;
            }
            ServedBlocks old = server.blocks;
            server.blocks = next;
            measureSpeed();
            return old;
        } finally {
            server.compute.unlock();
        }
    }

    /** Connections to the frame socket served so far (each carries one session or, reused, several in turn). */
    public long frameConnections() {
        return server.frameConnections.get();
    }

    /** Sessions that reused a frame connection whose earlier session its client had ended. */
    public long sessionsOnReusedConnections() {
        return server.sessionsReused.get();
    }

    /** Outputs pushed on to the next server of a route so far. */
    public long pushesSent() {
        return server.pushesSent.get();
    }

    /** Pushed steps taken (computed and answered to their client) so far. */
    public long pushesTaken() {
        return server.pushesTaken.get();
    }

    /**
     * Limits where this server pushes outputs: a step naming a next server that {@code gate}
     * refuses is answered as not forwarded, and the client carries it. Push targets come from
     * clients, so a server in a network allows only servers announced there ({@code
     * BlockServerNode} installs that). Until a gate is given it pushes nowhere: a server that
     * takes sessions before it has joined a network must not connect wherever a client names.
     */
    public void allowPushes(Predicate<Forward> gate) {
        server.pushGate = gate;
    }

    /**
     * For tests that play a server pushing other outputs than it answers: applied to pushed
     * outputs only, after {@code tamper}; a function that returns null drops the push and still
     * tells the client it was sent.
     */
    public void tamperPushes(UnaryOperator<float[]> f) {
        server.pushTamper = f;
    }

    public int activeSessions() {
        return server.sessions.size();
    }

    @Override
    public void info(InfoRequest request, StreamObserver<ServerInfo> out) {
        out.onNext(info());
        out.onCompleted();
    }

    @Override
    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> out) {
        return wire.grpcSession(out, Caller.current().peer().shortString());
    }

    /**
     * The same sessions on a {@link FrameServer} socket: each frame one {@link SessionRequest},
     * each answer one {@link SessionResponse}, read, computed and answered on the connection's
     * own thread. This is the path clients take when the server announces a session port: it
     * skips HTTP/2 and gRPC's thread hand-offs, which cost most of a hop's time per token.
     */
    public FrameHandler sessionProtocol() {
        return wire.sessionProtocol();
    }

    /**
     * Opens this server's frame socket for sessions and announces its port in {@link #info()};
     * the caller closes it (before this service).
     */
    public FrameServer listen(TlsContexts tls, InetSocketAddress bind, FrameLimits limits) throws IOException {
        FrameServer socket = FrameServer.start(tls, bind,
                Map.of(SESSION_PROTOCOL, sessionProtocol(), PUSH_PROTOCOL, pushProtocol()), limits);
        server.pushes = new PushLinks(tls, limits.maxFrameBytes(), server.pushClock, server.pushConnector);
        sessionPort = socket.port();
        return socket;
    }

    /**
     * Pushed steps from the server before this one in a route. A push for an unknown session is
     * dropped (its client sends the step itself once the wait is over); one that the session
     * refuses is answered to the session's client as {@code Rejected}; an undecodable frame ends
     * the connection.
     */
    public FrameHandler pushProtocol() {
        return wire.pushProtocol();
    }

    private void closeIdle() {
        // Under the compute lock, so a session is never freed in the middle of a step.
        server.compute.lock();
        try {
            long now = System.nanoTime();
            ServerLimits limits = server.limits;
            for (ServerSession s : server.sessions.keySet()) {
                if (now - s.lastUsed > limits.idleTimeout().toNanos()) {
                    s.fail(Status.DEADLINE_EXCEEDED.withDescription("session idle for more than "
                            + limits.idleTimeout().toSeconds() + " s; its cache was freed"));
                }
            }
        } finally {
            server.compute.unlock();
        }
    }

    /** Waits for the step in progress, then ends every session, so the weights can be freed after. */
    @Override
    public void close() {
        server.closing = true;
        reaper.shutdownNow();
        PushLinks links = server.pushes;
        if (links != null) {
            links.close();
        }
        boolean locked = false;
        try {
            locked = server.compute.tryLock(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            for (ServerSession s : server.sessions.keySet()) {
                s.fail(Status.UNAVAILABLE.withDescription("the server is shutting down"));
            }
        } finally {
            if (locked) {
                server.compute.unlock();
            }
        }
    }
}
