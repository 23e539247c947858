package dev.mycel.ledger.remote;

import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.proto.AccountCall;
import dev.mycel.ledger.proto.AccountReply;
import dev.mycel.ledger.proto.ChannelReply;
import dev.mycel.ledger.proto.EntriesCall;
import dev.mycel.ledger.proto.EntriesReply;
import dev.mycel.ledger.proto.EscrowReply;
import dev.mycel.ledger.proto.FaucetCall;
import dev.mycel.ledger.proto.HeadCall;
import dev.mycel.ledger.proto.HeadReply;
import dev.mycel.ledger.proto.HistoryCall;
import dev.mycel.ledger.proto.LedgerGrpc;
import dev.mycel.ledger.proto.ObjectCall;
import dev.mycel.ledger.proto.ReceiptReply;
import dev.mycel.ledger.proto.RulesCall;
import dev.mycel.ledger.proto.RulesReply;
import dev.mycel.ledger.proto.SubmitCall;
import dev.mycel.ledger.tx.TransactionCodec;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.transport.Caller;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * The hosting node's ledger, served to the other nodes. A submission is answered once it is
 * durable (the embedded ledger's future), without holding a thread while it waits; a refusal
 * is {@code FAILED_PRECONDITION} with the reason's name first in the description, so the
 * caller rebuilds the same {@link LedgerException}.
 */
public final class LedgerGrpcService extends LedgerGrpc.LedgerImplBase {
    /** The most entries one call returns: a page of the chain, well under the message size limit. */
    public static final int MAX_PAGE = 2_000;
    private final EmbeddedLedger ledger;
    private final NodeIdentity faucet;
    private final long faucetCap;

    /** Serves {@code ledger} without a faucet. */
    public LedgerGrpcService(EmbeddedLedger ledger) {
        this(ledger, null, 0);
    }

    /**
     * Serves {@code ledger}; when {@code faucet} (the host's identity) is the ledger's mint
     * authority, {@code Faucet} mints up to {@code faucetCap} a call for whoever asks.
     */
    public LedgerGrpcService(EmbeddedLedger ledger, NodeIdentity faucet, long faucetCap) {
        this.ledger = ledger;
        this.faucet = faucet != null && faucet.peerId().equals(ledger.rules().mintAuthority()) ? faucet : null;
        this.faucetCap = faucetCap;
    }

    @Override
    public void faucet(FaucetCall call, StreamObserver<ReceiptReply> out) {
        Caller caller = Caller.current();
        try {
            if (faucet == null) {
                throw new LedgerException(Reason.NOT_ALLOWED, "this ledger (" + ledger.rules().chain() + ") has no faucet");
            }
            if (caller == null) {
                throw new LedgerException(Reason.NOT_ALLOWED, "no node id on this connection");
            }
            if (call.getAmount() <= 0 || call.getAmount() > faucetCap) {
                throw new LedgerException(Reason.NOT_ALLOWED, "the faucet gives 1 to " + faucetCap + " a call, not "
                        + call.getAmount());
            }
            out.onNext(LedgerMessages.receipt(Faucet.mint(ledger, faucet, caller.peer(), call.getAmount())));
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    static Status status(LedgerException e) {
        Status s = switch (e.reason()) {
            case MALFORMED, WRONG_CHAIN, OVERFLOW -> Status.INVALID_ARGUMENT;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            default -> Status.FAILED_PRECONDITION;
        };
        return s.withDescription(e.reason().name() + ": " + e.getMessage());
    }

    private static <T> void fail(StreamObserver<T> out, LedgerException e) {
        out.onError(status(e).asRuntimeException());
    }

    @Override
    public void submit(SubmitCall call, StreamObserver<ReceiptReply> out) {
        if (call.getTransaction().size() > TransactionCodec.MAX_BYTES) {
            fail(out, new LedgerException(Reason.MALFORMED, "a transaction of " + call.getTransaction().size()
                    + " bytes is over the " + TransactionCodec.MAX_BYTES + "-byte limit"));
            return;
        }
        ledger.submit(call.getTransaction().toByteArray()).whenComplete((Receipt r, Throwable t) -> {
            if (t == null) {
                out.onNext(LedgerMessages.receipt(r));
                out.onCompleted();
            } else if (t instanceof LedgerException e) {
                fail(out, e);
            } else {
                out.onError(Status.INTERNAL.withDescription(String.valueOf(t)).asRuntimeException());
            }
        });
    }

    @Override
    public void rules(RulesCall call, StreamObserver<RulesReply> out) {
        out.onNext(RulesReply.newBuilder().setRules(LedgerMessages.bytes(ledger.rules().canonicalBytes())).build());
        out.onCompleted();
    }

    @Override
    public void account(AccountCall call, StreamObserver<AccountReply> out) {
        try {
            out.onNext(LedgerMessages.account(ledger.account(LedgerMessages.peer(call.getAccount(), "account"))));
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    @Override
    public void channel(ObjectCall call, StreamObserver<ChannelReply> out) {
        try {
            out.onNext(LedgerMessages.channel(ledger.channel(LedgerMessages.id(call.getId(), "channel id"))));
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    @Override
    public void escrow(ObjectCall call, StreamObserver<EscrowReply> out) {
        try {
            out.onNext(LedgerMessages.escrow(ledger.escrow(LedgerMessages.id(call.getId(), "escrow id"))));
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    @Override
    public void receipt(ObjectCall call, StreamObserver<ReceiptReply> out) {
        try {
            out.onNext(ledger.receipt(LedgerMessages.id(call.getId(), "transaction id")).map(LedgerMessages::receipt)
                    .orElse(ReceiptReply.newBuilder().setFound(false).build()));
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    @Override
    public void history(HistoryCall call, StreamObserver<EntriesReply> out) {
        try {
            EntriesReply.Builder b = EntriesReply.newBuilder();
            for (HistoryEntry h : ledger.history(LedgerMessages.peer(call.getAccount(), "account"),
                    Math.min(MAX_PAGE, Math.max(1, call.getMax())))) {
                // History travels as chain entries without their hash (ledger verify checks the chain itself).
                b.addEntries(dev.mycel.ledger.proto.Entry.newBuilder().setSeq(h.seq()).setTime(h.time())
                        .setTransaction(LedgerMessages.bytes(h.transaction().encode())));
            }
            out.onNext(b.build());
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }

    @Override
    public void head(HeadCall call, StreamObserver<HeadReply> out) {
        out.onNext(LedgerMessages.head(ledger.head()));
        out.onCompleted();
    }

    @Override
    public void entries(EntriesCall call, StreamObserver<EntriesReply> out) {
        try {
            EntriesReply.Builder b = EntriesReply.newBuilder();
            for (ChainEntry e : ledger.entries(Math.max(1, call.getFrom()), Math.min(MAX_PAGE, Math.max(1, call.getMax())))) {
                b.addEntries(LedgerMessages.entry(e));
            }
            out.onNext(b.build());
            out.onCompleted();
        } catch (LedgerException e) {
            fail(out, e);
        }
    }
}
