package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Forward;
import dev.mycel.net.identity.NodeIdentity;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What a block server's sessions share: the one compute lock, the KV cache budget, the open
 * sessions and their push tickets, the counters, and the settings the node gives the server.
 * One object the sessions, the step runner and the wire all hold, so none of them needs the
 * gRPC service to reach it.
 */
final class ServerState {
    /** The gate before one is given: no pushes (see {@link BlockService#allowPushes}). */
    static final Predicate<Forward> NO_PUSHES = f -> false;

    final ServerLimits limits;
    /** Applied to every output before it is sent: the identity for an honest server. */
    final UnaryOperator<float[]> tamper;
    /** The clock of the push gate's memory and of the push connections (see {@link PushLinks}). */
    final LongSupplier pushClock;
    /** Where push connections are opened (see {@link PushLinks}). */
    final Executor pushConnector;
    /**
     * Steps run one at a time under this lock, on the thread that received them. Fair, so that
     * sessions take turns and one busy client cannot starve the others.
     */
    final ReentrantLock compute = new ReentrantLock(true);
    /** Cache bytes reserved by open sessions, out of {@code limits.cacheBytes()}. */
    final AtomicLong reserved = new AtomicLong();
    final Map<ServerSession, Boolean> sessions = new ConcurrentHashMap<>();
    /** Open sessions by the ticket a pushing server names them with. */
    final Map<ByteString, ServerSession> tickets = new ConcurrentHashMap<>();
    final SecureRandom random = new SecureRandom();
    final SpeedMeter speed = new SpeedMeter();
    final AtomicLong frameConnections = new AtomicLong();
    /** Sessions that came on a frame connection an earlier session had ended with {@code End}. */
    final AtomicLong sessionsReused = new AtomicLong();
    final AtomicLong pushesSent = new AtomicLong();
    final AtomicLong pushesTaken = new AtomicLong();
    /** Steps computed over all sessions since the start, which an injected fault counts. */
    final AtomicLong stepsComputed = new AtomicLong();

    volatile boolean closing;
    volatile ServedBlocks blocks;
    /** Connections to next servers; null until the frame socket listens (no pushes before). */
    volatile PushLinks pushes;
    volatile UnaryOperator<float[]> pushTamper;
    volatile Fault fault = Fault.NONE;
    /** Who answers are signed as; null: unsigned. */
    volatile NodeIdentity identity;
    volatile Predicate<Forward> pushGate = NO_PUSHES;

    ServerState(ServedBlocks blocks, ServerLimits limits, UnaryOperator<float[]> tamper, LongSupplier pushClock,
                Executor pushConnector) {
        this.blocks = blocks;
        this.limits = limits;
        this.tamper = tamper;
        this.pushClock = pushClock;
        this.pushConnector = pushConnector;
    }

    /** KV cache bytes one position takes over {@code layers} blocks. */
    long bytesPerPosition(int layers) {
        return 2L * layers * blocks.config().kvDim() * Float.BYTES;
    }
}
