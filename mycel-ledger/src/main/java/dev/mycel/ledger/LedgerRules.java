package dev.mycel.ledger;

import dev.mycel.ledger.tx.ByteReader;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.TransactionCodec;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.PeerId;
import java.util.List;

/**
 * A ledger's constitution, fixed at its creation: the chain name every transaction must carry,
 * who may mint (a devnet's faucet; nobody when null), how long unbonding stake stays slashable,
 * the referees whose quorum of verdicts slashes, and where slashed stake goes ({@code
 * injuredShareBps} of it to the injured party, the rest to {@code treasury}, or burnt when null).
 * Its hash starts the hash chain, so two ledgers with different rules can never share a chain.
 */
public record LedgerRules(String chain, PeerId mintAuthority, long unbondingMillis, List<PeerId> referees, int quorum,
                          int injuredShareBps, PeerId treasury) {
    public LedgerRules {
        if (chain == null || chain.isEmpty() || chain.length() > TransactionCodec.MAX_CHAIN_CHARS
                || !chain.chars().allMatch(c -> c >= 0x21 && c < 0x7f)) {
            throw new IllegalArgumentException("a chain name is 1 to " + TransactionCodec.MAX_CHAIN_CHARS
                    + " printable ASCII characters, not \"" + chain + "\"");
        }
        if (unbondingMillis < 0) {
            throw new IllegalArgumentException("the unbonding delay cannot be negative: " + unbondingMillis);
        }
        referees = List.copyOf(referees);
        if (referees.stream().distinct().count() != referees.size()) {
            throw new IllegalArgumentException("a referee is named twice");
        }
        if (!referees.isEmpty() && (quorum < 1 || quorum > referees.size())) {
            throw new IllegalArgumentException("the quorum must be between 1 and the " + referees.size() + " referees, not "
                    + quorum);
        }
        if (referees.isEmpty() && quorum != 0) {
            throw new IllegalArgumentException("a quorum needs referees");
        }
        if (injuredShareBps < 0 || injuredShareBps > 10_000) {
            throw new IllegalArgumentException("the injured party's share is in basis points, 0 to 10000, not " + injuredShareBps);
        }
    }

    public byte[] canonicalBytes() {
        CanonicalWriter w = new CanonicalWriter("mycel/ledger-rules/v1").text(chain)
                .bytes(mintAuthority == null ? new byte[0] : mintAuthority.rawKey()).u64(unbondingMillis).u32(referees.size());
        for (PeerId r : referees) {
            w.bytes(r.rawKey());
        }
        return w.u32(quorum).u32(injuredShareBps).bytes(treasury == null ? new byte[0] : treasury.rawKey()).toByteArray();
    }

    /** Reads {@link #canonicalBytes} back, refusing anything else with a clear error. */
    public static LedgerRules decode(byte[] bytes) throws LedgerException {
        ByteReader r = new ByteReader(bytes, bytes.length);
        String domain = r.text("domain", 64);
        if (!domain.equals("mycel/ledger-rules/v1")) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "not ledger rules (domain \"" + domain + "\")");
        }
        String chain = r.text("chain", 4 * TransactionCodec.MAX_CHAIN_CHARS);
        byte[] mint = r.bytes("mint authority", PeerId.KEY_BYTES);
        long unbonding = r.u64("unbonding delay");
        int n = r.u32("referee count");
        if (n < 0 || n > 1024) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "too many referees: " + Integer.toUnsignedString(n));
        }
        List<PeerId> referees = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            referees.add(r.peer("referee"));
        }
        int quorum = r.u32("quorum");
        int bps = r.u32("injured share");
        byte[] treasury = r.bytes("treasury", PeerId.KEY_BYTES);
        r.finish("rules");
        try {
            return new LedgerRules(chain, key(mint), unbonding, referees, quorum, bps, key(treasury));
        } catch (IllegalArgumentException e) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "bad ledger rules: " + e.getMessage(), e);
        }
    }

    private static PeerId key(byte[] raw) throws LedgerException {
        if (raw.length == 0) {
            return null;
        }
        if (raw.length != PeerId.KEY_BYTES) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "a key has 32 bytes, not " + raw.length);
        }
        return PeerId.ofRawKey(raw);
    }

    /** The hash chain's start: SHA-256 of the rules. */
    public Id genesis() {
        return Id.sha256(canonicalBytes());
    }
}
