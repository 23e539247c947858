package dev.mycel.ledger.tx;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.util.ArrayList;
import java.util.List;

/**
 * The one encoding of a transaction: the canonical body (domain, chain, signer, nonce, the
 * operation's tag and fields in a fixed order) followed by the signature. The body is what is
 * signed, hashed into the id and stored, so no re-encoding can change what was agreed.
 * Decoding bounds every size and refuses stray bytes.
 */
public final class TransactionCodec {
    /** The largest transaction accepted: a slash with {@link #MAX_VERDICTS} verdicts fits easily. */
    public static final int MAX_BYTES = 8192;
    public static final int MAX_VERDICTS = 64;
    public static final int MAX_CHAIN_CHARS = 64;
    static final String DOMAIN = "mycel/ledger-tx/v1";

    private static final int TRANSFER = 1;
    private static final int MINT = 2;
    private static final int ESCROW_CREATE = 3;
    private static final int ESCROW_RELEASE = 4;
    private static final int ESCROW_REFUND = 5;
    private static final int STAKE = 6;
    private static final int UNSTAKE = 7;
    private static final int WITHDRAW = 8;
    private static final int SLASH = 9;
    private static final int CHANNEL_OPEN = 10;
    private static final int CHANNEL_TOP_UP = 11;
    private static final int CHANNEL_CLAIM = 12;
    private static final int CHANNEL_CLOSE = 13;
    private static final int CHANNEL_REFUND = 14;

    private TransactionCodec() {
    }

    public static byte[] body(String chain, PeerId signer, long nonce, Operation op) {
        CanonicalWriter w = new CanonicalWriter(DOMAIN).text(chain).bytes(signer.rawKey()).u64(nonce);
        switch (op) {
            case Operation.Transfer t -> w.u8(TRANSFER).bytes(t.to().rawKey()).u64(t.amount());
            case Operation.Mint m -> w.u8(MINT).bytes(m.to().rawKey()).u64(m.amount());
            case Operation.EscrowCreate e -> w.u8(ESCROW_CREATE).bytes(e.payee().rawKey()).u64(e.amount()).u64(e.expiresAt())
                    .bytes(e.arbiter() == null ? new byte[0] : e.arbiter().rawKey());
            case Operation.EscrowRelease e -> w.u8(ESCROW_RELEASE).bytes(e.escrow().bytes());
            case Operation.EscrowRefund e -> w.u8(ESCROW_REFUND).bytes(e.escrow().bytes());
            case Operation.Stake s -> w.u8(STAKE).u64(s.amount());
            case Operation.Unstake u -> w.u8(UNSTAKE).u64(u.amount());
            case Operation.Withdraw x -> w.u8(WITHDRAW);
            case Operation.Slash s -> {
                w.u8(SLASH).bytes(s.offender().rawKey()).u64(s.amount()).bytes(s.injured().rawKey()).bytes(s.evidence())
                        .u32(s.verdicts().size());
                for (Operation.Verdict v : s.verdicts()) {
                    w.bytes(v.referee().rawKey()).bytes(v.signature());
                }
            }
            case Operation.ChannelOpen c -> w.u8(CHANNEL_OPEN).bytes(c.payee().rawKey()).u64(c.deposit()).u64(c.expiresAt());
            case Operation.ChannelTopUp c -> w.u8(CHANNEL_TOP_UP).bytes(c.channel().bytes()).u64(c.amount()).u64(c.expiresAt());
            case Operation.ChannelClaim c -> w.u8(CHANNEL_CLAIM).bytes(c.channel().bytes()).u64(c.cumulative())
                    .bytes(c.voucherSignature());
            case Operation.ChannelClose c -> w.u8(CHANNEL_CLOSE).bytes(c.channel().bytes());
            case Operation.ChannelRefund c -> w.u8(CHANNEL_REFUND).bytes(c.channel().bytes());
        }
        return w.toByteArray();
    }

    public static byte[] encode(SignedTransaction tx) {
        byte[] body = tx.body();
        byte[] sig = tx.signature();
        byte[] out = new byte[body.length + sig.length];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(sig, 0, out, body.length, sig.length);
        return out;
    }

    /**
     * Parses a transaction's wire form. Checks its shape only: the signature, the chain and the
     * nonce are the ledger's to check ({@link dev.mycel.ledger.state.LedgerState#apply}).
     */
    public static SignedTransaction decode(byte[] wire) throws LedgerException {
        if (wire.length > MAX_BYTES) {
            throw new LedgerException(Reason.MALFORMED, "a transaction of " + wire.length + " bytes is over the "
                    + MAX_BYTES + "-byte limit");
        }
        if (wire.length < Signatures.SIGNATURE_BYTES) {
            throw new LedgerException(Reason.MALFORMED, "a transaction of " + wire.length + " bytes is too short to be signed");
        }
        int bodyEnd = wire.length - Signatures.SIGNATURE_BYTES;
        ByteReader r = new ByteReader(wire, bodyEnd);
        String domain = r.text("domain", 64);
        if (!domain.equals(DOMAIN)) {
            throw new LedgerException(Reason.MALFORMED, "not a ledger transaction (domain \"" + domain + "\")");
        }
        String chain = r.text("chain", MAX_CHAIN_CHARS * 4);
        PeerId signer = r.peer("signer");
        long nonce = r.u64("nonce");
        int tag = r.u8("operation");
        Operation op = switch (tag) {
            case TRANSFER -> new Operation.Transfer(r.peer("to"), r.amount("amount"));
            case MINT -> new Operation.Mint(r.peer("to"), r.amount("amount"));
            case ESCROW_CREATE -> {
                PeerId payee = r.peer("payee");
                long amount = r.amount("amount");
                long expires = r.amount("expiry");
                byte[] arbiter = r.bytes("arbiter", PeerId.KEY_BYTES);
                if (arbiter.length != 0 && arbiter.length != PeerId.KEY_BYTES) {
                    throw new LedgerException(Reason.MALFORMED, "an arbiter is a 32-byte key or nothing");
                }
                yield new Operation.EscrowCreate(payee, amount, expires, arbiter.length == 0 ? null : PeerId.ofRawKey(arbiter));
            }
            case ESCROW_RELEASE -> new Operation.EscrowRelease(id(r, "escrow"));
            case ESCROW_REFUND -> new Operation.EscrowRefund(id(r, "escrow"));
            case STAKE -> new Operation.Stake(r.amount("amount"));
            case UNSTAKE -> new Operation.Unstake(r.amount("amount"));
            case WITHDRAW -> new Operation.Withdraw();
            case SLASH -> {
                PeerId offender = r.peer("offender");
                long amount = r.amount("amount");
                PeerId injured = r.peer("injured");
                byte[] evidence = r.exact("evidence", 32);
                int n = r.u32("verdict count");
                if (n < 0 || n > MAX_VERDICTS) {
                    throw new LedgerException(Reason.MALFORMED, Integer.toUnsignedString(n) + " verdicts, at most "
                            + MAX_VERDICTS + " allowed");
                }
                List<Operation.Verdict> verdicts = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    verdicts.add(new Operation.Verdict(r.peer("referee"), r.exact("verdict signature",
                            Signatures.SIGNATURE_BYTES)));
                }
                yield new Operation.Slash(offender, amount, injured, evidence, verdicts);
            }
            case CHANNEL_OPEN -> new Operation.ChannelOpen(r.peer("payee"), r.amount("deposit"), r.amount("expiry"));
            case CHANNEL_TOP_UP -> new Operation.ChannelTopUp(id(r, "channel"), r.amount("amount"), r.amount("expiry"));
            case CHANNEL_CLAIM -> new Operation.ChannelClaim(id(r, "channel"), r.amount("cumulative amount"),
                    r.exact("voucher signature", Signatures.SIGNATURE_BYTES));
            case CHANNEL_CLOSE -> new Operation.ChannelClose(id(r, "channel"));
            case CHANNEL_REFUND -> new Operation.ChannelRefund(id(r, "channel"));
            default -> throw new LedgerException(Reason.MALFORMED, "unknown operation " + tag);
        };
        r.finish("operation");
        byte[] signature = java.util.Arrays.copyOfRange(wire, bodyEnd, wire.length);
        return new SignedTransaction(chain, signer, nonce, op, signature);
    }

    private static Id id(ByteReader r, String field) throws LedgerException {
        return Id.of(r.exact(field, Id.BYTES));
    }
}
