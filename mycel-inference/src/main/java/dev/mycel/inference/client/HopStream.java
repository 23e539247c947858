package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.proto.StepResult;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A session with one block server: one step at a time over a {@link SessionLink} (the server's
 * frame socket, or a gRPC stream). Every failure (the server gone, an error, no answer in time)
 * comes out as {@link HopFailedException}, which is what triggers fail-over.
 *
 * <p>A step may also reach the server pushed by the server before it in the route; the client
 * then only waits for the answer ({@link #awaitPushed}). Step ids are given out in order, and a
 * pushed step that the client stopped waiting for ({@link #abandon}) may still be answered
 * later: such answers are skipped.
 */
final class HopStream implements AutoCloseable {
    /**
     * What a step gave: the output, whether the server pushed it on to the next hop, and the
     * server's signature of it ({@link dev.mycel.inference.StepSignature}; empty if unsigned).
     */
    record Output(ByteString hidden, boolean forwarded, ByteString signature) {
    }

    /** What {@link #step} runs on an answer's arrival when the caller has nothing to start. */
    static final Runnable NOTHING = () -> {
    };

    private final Hop hop;
    private final SessionLink link;
    private final ByteString ticket;
    private final Set<Long> abandoned = new HashSet<>();
    private final int bytesPerToken;
    private PeerId acceptsFrom;
    /** Where pushes for this session go, all but the step id (made once). */
    private Forward target;
    private int position;
    private long nextId;
    private long lastStepNanos;
    private HopTimes times = HopTimes.NONE;

    private HopStream(Hop hop, SessionLink link, ByteString ticket, int bytesPerToken) {
        this.hop = hop;
        this.link = link;
        this.ticket = ticket;
        this.bytesPerToken = bytesPerToken;
    }

    /** @param bytesPerToken size of one token's hidden state on the wire: every answer must have it */
    static HopStream open(Hop hop, SessionLink link, byte[] model, int maxPositions, int bytesPerToken) {
        try {
            link.send(SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(model))
                    .setFirst(hop.first()).setEnd(hop.end()).setMaxPositions(maxPositions)).build());
            SessionResponse r = link.receive();
            if (!r.hasOpened()) {
                throw new HopFailedException(hop, "the server did not open the session", null);
            }
            return new HopStream(hop, link, r.getOpened().getTicket(), bytesPerToken);
        } catch (HopFailedException e) {
            link.close();
            throw e;
        }
    }

    Hop hop() {
        return hop;
    }

    /** How long the last step took, from sending (or the answer before it) to its answer; 0 before any. */
    long lastStepNanos() {
        return lastStepNanos;
    }

    /** The steps of this stream so far and their time. */
    HopTimes times() {
        return times;
    }

    int position() {
        return position;
    }

    /** Whether the server before this one may push steps to it. */
    boolean takesPushes() {
        return link.framed() && !ticket.isEmpty() && hop.server().info().getSessionPort() != 0;
    }

    /** Reserves the id of a step that another server will push here. */
    long reserveId() {
        return nextId++;
    }

    /** Where the server before pushes the step {@code id} of this session. */
    Forward target(long id) {
        if (target == null) {
            ServerEntry s = hop.server();
            target = Forward.newBuilder().setHost(s.host()).setPort(s.info().getSessionPort())
                    .setPeer(ByteString.copyFrom(s.peer().rawKey())).setTicket(ticket).build();
        }
        return target.toBuilder().setId(id).build();
    }

    /** Lets {@code peer} push steps to this session (one round trip, only when it changes). */
    void accept(PeerId peer) {
        if (Objects.equals(acceptsFrom, peer)) {
            return;
        }
        link.send(SessionRequest.newBuilder().setAccept(Accept.newBuilder()
                .setPeer(ByteString.copyFrom(peer.rawKey()))).build());
        if (!next().hasAccepted()) {
            link.close();
            throw new HopFailedException(hop, "the server answered out of turn", null);
        }
        acceptsFrom = peer;
    }

    /** Stops waiting for the pushed step {@code id}: its answer, if one comes, is skipped. */
    void abandon(long id) {
        abandoned.add(id);
    }

    /** Runs {@code tokens} hidden states at {@code position} through the hop's blocks. */
    ByteString step(int position, int tokens, ByteString hidden) {
        return step(position, tokens, hidden, List.of()).hidden();
    }

    /** As above, and asks the server to push the output along {@code forward} (the rest of the route). */
    Output step(int position, int tokens, ByteString hidden, List<Forward> forward) {
        return step(position, tokens, hidden, forward, NOTHING);
    }

    /**
     * As above, running {@code onArrival} as soon as the answer starts arriving, before it is
     * decoded (the client wakes what will work on it, which then overlaps the decoding).
     */
    Output step(int position, int tokens, ByteString hidden, List<Forward> forward, Runnable onArrival) {
        long id = nextId++;
        long start = System.nanoTime();
        link.send(SessionRequest.newBuilder().setStep(Step.newBuilder().setId(id).setPosition(position).setTokens(tokens)
                .setHidden(hidden).addAllForward(forward)).build());
        return result(id, position, tokens, start, next(onArrival));
    }

    /**
     * Waits for the answer to step {@code id}, pushed here by the server before; {@code since} is
     * when that server's own answer came (the time counted for this hop starts there).
     *
     * @param inputSha256 SHA-256 of what the server before answered, which must be what it pushed
     * @param patience    how long to wait for the answer before giving up on the push (the
     *                    session stays open; the caller sends the step itself)
     * @param onArrival   run as soon as an answer starts arriving, before it is decoded
     * @throws PushNotTakenException when the server refused the push, got other hidden states,
     *                               or did not answer within {@code patience}
     */
    Output awaitPushed(long id, int position, int tokens, byte[] inputSha256, long since, Duration patience,
                       Runnable onArrival) {
        if (!link.awaitAnswer(patience)) {
            throw new PushNotTakenException(hop, "no answer to the pushed step within " + patience.toMillis() + " ms");
        }
        onArrival.run();
        SessionResponse r = next();
        if (r.hasRejected() && r.getRejected().getId() == id) {
            throw new PushNotTakenException(hop, "refused the pushed step: " + r.getRejected().getReason());
        }
        if (r.hasResult() && r.getResult().getId() == id && !r.getResult().getInputSha256().equals(ByteString.copyFrom(inputSha256))) {
            throw new PushNotTakenException(hop, "was pushed other hidden states than the server before answered");
        }
        return result(id, position, tokens, since, r);
    }

    private Output result(long id, int position, int tokens, long start, SessionResponse r) {
        if (!r.hasResult() || r.getResult().getId() != id) {
            link.close();
            throw new HopFailedException(hop, "the server answered out of turn", null);
        }
        StepResult result = r.getResult();
        if (result.getHidden().size() != (long) tokens * bytesPerToken) {
            // A server answering the wrong shape is as broken as one that does not answer.
            link.close();
            throw new HopFailedException(hop, "the server answered " + result.getHidden().size() + " bytes of hidden states, "
                    + "expected " + (long) tokens * bytesPerToken, null);
        }
        this.position = position + tokens;
        lastStepNanos = System.nanoTime() - start;
        times = times.plus(lastStepNanos, result.getComputeNanos());
        return new Output(result.getHidden(), result.getForwarded(), result.getSignature());
    }

    /** The next answer that is not for an abandoned pushed step. */
    private SessionResponse next() {
        return next(NOTHING);
    }

    private SessionResponse next(Runnable onArrival) {
        while (true) {
            SessionResponse r = link.receive(onArrival);
            long id = r.hasResult() ? r.getResult().getId() : r.hasRejected() ? r.getRejected().getId() : -1;
            if (id < 0 || !abandoned.remove(id)) {
                return r;
            }
        }
    }

    /**
     * Ends the session. When nothing is in flight on it (no pushed step given up on, whose
     * answer could still come), its connection may serve the next session with this server.
     */
    @Override
    public void close() {
        if (abandoned.isEmpty()) {
            link.closeForReuse();
        } else {
            link.close();
        }
    }
}
