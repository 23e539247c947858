package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.InputChain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sequence sent into each block boundary, chunk by chunk, and the tokens it embedded:
 * enough to replay the session on a new server, to catch a second server up for a spot check,
 * and to prove a dispute to someone who was not there.
 */
final class SessionHistory {
    /** Hidden states of {@code tokens} tokens from {@code position} on, as they entered a boundary. */
    record Chunk(int position, int tokens, ByteString hidden) {
    }

    private final Map<Integer, List<Chunk>> byBoundary = new HashMap<>();
    private final int[] tokenIds;

    SessionHistory(int capacity) {
        this.tokenIds = new int[capacity];
    }

    /** Notes the ids of {@code n} tokens at {@code position} (a rewind simply writes over). */
    void tokens(int position, int[] tokens, int off, int n) {
        System.arraycopy(tokens, off, tokenIds, position, n);
    }

    /** The ids of the first {@code count} tokens. */
    int[] tokens(int count) {
        return Arrays.copyOf(tokenIds, count);
    }

    /** Keeps the chunk entering a boundary, dropping anything at or after its position (a rewind). */
    void record(int boundary, Chunk c) {
        List<Chunk> list = byBoundary.computeIfAbsent(boundary, b -> new ArrayList<>());
        while (!list.isEmpty() && list.getLast().position() >= c.position()) {
            list.removeLast();
        }
        list.add(c);
    }

    /** The chunks that entered {@code boundary} before {@code position}, in order. */
    List<Chunk> before(int boundary, int position) {
        List<Chunk> out = new ArrayList<>();
        for (Chunk c : byBoundary.getOrDefault(boundary, List.of())) {
            if (c.position() >= position) {
                break;
            }
            out.add(c);
        }
        return out;
    }

    /** The chunk that entered {@code boundary} at exactly {@code position}, or null. */
    Chunk at(int boundary, int position) {
        for (Chunk c : byBoundary.getOrDefault(boundary, List.of())) {
            if (c.position() == position) {
                return c;
            }
        }
        return null;
    }

    /**
     * The {@link InputChain} hash of what entered {@code boundary} from position 0 to
     * {@code end}: what a server of blocks from that boundary signed its answer at {@code end} over.
     */
    byte[] inputChain(int boundary, int end, int bytesPerToken) {
        InputChain chain = new InputChain(bytesPerToken);
        for (Chunk c : before(boundary, end)) {
            chain.append(c.hidden(), c.tokens());
        }
        if (chain.position() != end) {
            throw new IllegalStateException("the history of boundary " + boundary + " holds " + chain.position()
                    + " positions, not " + end);
        }
        return chain.current();
    }
}
