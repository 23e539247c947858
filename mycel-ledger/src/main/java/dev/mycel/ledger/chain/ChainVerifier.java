package dev.mycel.ledger.chain;

import dev.mycel.ledger.Head;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.tx.Id;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * {@code mycel ledger verify}: fetches a ledger's whole hash chain page by page, replays it from
 * the rules (every hash, every signature, every transaction's validity), and compares the
 * result with the head the host claims: the same last hash and the same state digest, so every
 * balance the host reports is one the chain supports.
 */
public final class ChainVerifier {
    private ChainVerifier() {
    }

    /** What a verification found. */
    public record Result(long entries, Id head, Id stateDigest, long supply, long holdings, boolean matchesHost, String problem) {
    }

    public static Result verify(LedgerRules rules, HashChain chain, Head claimed, int page, LongConsumer progress)
            throws LedgerException {
        Replay replay = new Replay(rules);
        long from = 1;
        try {
            while (true) {
                List<ChainEntry> entries = chain.entries(from, page);
                for (ChainEntry e : entries) {
                    // The host may have committed more since it named its head: check up to that head.
                    if (e.seq() > claimed.seq()) {
                        break;
                    }
                    replay.add(e);
                }
                progress.accept(replay.seq());
                if (entries.isEmpty() || replay.seq() >= claimed.seq()) {
                    break;
                }
                from = replay.seq() + 1;
            }
        } catch (Replay.ChainBroken e) {
            return new Result(replay.seq(), replay.head(), replay.state().digest(), replay.state().supply(),
                    replay.state().holdings(), false, e.getMessage());
        }
        Id digest = replay.state().digest();
        String problem = null;
        if (replay.seq() != claimed.seq()) {
            problem = "the host claims " + claimed.seq() + " entries, its chain has " + replay.seq();
        } else if (!replay.head().equals(claimed.hash())) {
            problem = "the host's head hash " + claimed.hash() + " is not the chain's " + replay.head();
        } else if (!digest.equals(claimed.stateDigest())) {
            problem = "the host's state digest " + claimed.stateDigest() + " is not the replayed state's " + digest;
        } else if (replay.state().supply() != replay.state().holdings()) {
            problem = "the replayed holdings " + replay.state().holdings() + " do not add up to the supply " + replay.state().supply();
        }
        return new Result(replay.seq(), replay.head(), digest, replay.state().supply(), replay.state().holdings(), problem == null,
                problem);
    }
}
