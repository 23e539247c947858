package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;

/**
 * A session with one block server: one step at a time over a {@link SessionLink} (the server's
 * frame socket, or a gRPC stream). Every failure (the server gone, an error, no answer in time)
 * comes out as {@link HopFailedException}, which is what triggers fail-over.
 */
final class HopStream implements AutoCloseable {
    private final Hop hop;
    private final SessionLink link;
    private int position;
    private long nextId;
    private HopTimes times = HopTimes.NONE;

    private HopStream(Hop hop, SessionLink link) {
        this.hop = hop;
        this.link = link;
    }

    static HopStream open(Hop hop, SessionLink link, byte[] model, int maxPositions) {
        HopStream s = new HopStream(hop, link);
        try {
            link.send(SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(model))
                    .setFirst(hop.first()).setEnd(hop.end()).setMaxPositions(maxPositions)).build());
            SessionResponse r = link.receive();
            if (!r.hasOpened()) {
                throw new HopFailedException(hop, "the server did not open the session", null);
            }
            return s;
        } catch (HopFailedException e) {
            link.close();
            throw e;
        }
    }

    Hop hop() {
        return hop;
    }

    /** The steps of this stream so far and their time. */
    HopTimes times() {
        return times;
    }

    int position() {
        return position;
    }

    /** Runs {@code tokens} hidden states at {@code position} through the hop's blocks. */
    ByteString step(int position, int tokens, ByteString hidden) {
        long id = nextId++;
        long start = System.nanoTime();
        link.send(SessionRequest.newBuilder().setStep(Step.newBuilder().setId(id).setPosition(position).setTokens(tokens)
                .setHidden(hidden)).build());
        SessionResponse r = link.receive();
        if (!r.hasResult() || r.getResult().getId() != id) {
            close();
            throw new HopFailedException(hop, "the server answered out of turn", null);
        }
        this.position = position + tokens;
        times = times.plus(System.nanoTime() - start, r.getResult().getComputeNanos());
        return r.getResult().getHidden();
    }

    @Override
    public void close() {
        link.close();
    }
}
