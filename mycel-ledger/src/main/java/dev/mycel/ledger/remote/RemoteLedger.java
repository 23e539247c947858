package dev.mycel.ledger.remote;

import dev.mycel.ledger.Head;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.Ledger;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.chain.HashChain;
import dev.mycel.ledger.proto.AccountCall;
import dev.mycel.ledger.proto.EntriesCall;
import dev.mycel.ledger.proto.EntriesReply;
import dev.mycel.ledger.proto.HeadCall;
import dev.mycel.ledger.proto.HistoryCall;
import dev.mycel.ledger.proto.LedgerGrpc;
import dev.mycel.ledger.proto.ObjectCall;
import dev.mycel.ledger.proto.ReceiptReply;
import dev.mycel.ledger.proto.RulesCall;
import dev.mycel.ledger.proto.SubmitCall;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.state.EscrowView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.TransactionCodec;
import dev.mycel.net.identity.PeerId;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The ledger of another node (the host named in the config), over mycel-net: the TLS handshake
 * proves it is that node. Its rules are fetched once and their genesis hash checked against
 * the one expected, when one is given, so a node cannot be pointed at a different ledger.
 */
public final class RemoteLedger implements Ledger, HashChain {
    private final Channel channel;
    private final Duration timeout;
    private final LedgerRules rules;

    private RemoteLedger(Channel channel, Duration timeout, LedgerRules rules) {
        this.channel = channel;
        this.timeout = timeout;
        this.rules = rules;
    }

    /** Connects over {@code channel} (to the host's node) and fetches its rules; {@code genesis} null takes them as they come. */
    public static RemoteLedger connect(Channel channel, Duration timeout, Id genesis) throws LedgerException {
        LedgerRules rules;
        try {
            rules = LedgerRules.decode(LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .rules(RulesCall.getDefaultInstance()).getRules().toByteArray());
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
        if (genesis != null && !genesis.equals(rules.genesis())) {
            throw new LedgerException(Reason.WRONG_CHAIN, "the host serves ledger " + rules.chain() + " with genesis "
                    + rules.genesis() + ", not the expected " + genesis);
        }
        return new RemoteLedger(channel, timeout, rules);
    }

    /** The host's refusal as the same exception it was there; a transport failure as UNAVAILABLE. */
    static LedgerException unwrap(StatusRuntimeException e) {
        Status s = e.getStatus();
        String d = s.getDescription() == null ? "" : s.getDescription();
        int colon = d.indexOf(':');
        if (colon > 0) {
            try {
                return new LedgerException(Reason.valueOf(d.substring(0, colon)), d.substring(colon + 1).strip(), e);
            } catch (IllegalArgumentException notOurs) {
                // Fall through: a transport-level status.
            }
        }
        return new LedgerException(Reason.UNAVAILABLE, "the ledger host did not answer: " + s.getCode()
                + (d.isEmpty() ? "" : " (" + d + ")"), e);
    }

    private LedgerGrpc.LedgerBlockingStub stub() {
        return LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public LedgerRules rules() {
        return rules;
    }

    @Override
    public CompletableFuture<Receipt> submit(SignedTransaction tx) {
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        LedgerGrpc.newStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .submit(SubmitCall.newBuilder().setTransaction(LedgerMessages.bytes(tx.encode())).build(),
                        new StreamObserver<ReceiptReply>() {
                            @Override
                            public void onNext(ReceiptReply r) {
                                try {
                                    done.complete(LedgerMessages.receipt(r).orElseThrow(() -> new LedgerException(
                                            Reason.UNAVAILABLE, "the host answered without a receipt")));
                                } catch (LedgerException e) {
                                    done.completeExceptionally(e);
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.completeExceptionally(t instanceof StatusRuntimeException s ? unwrap(s)
                                        : new LedgerException(Reason.UNAVAILABLE, String.valueOf(t), t));
                            }

                            @Override
                            public void onCompleted() {
                                // Completed in onNext.
                            }
                        });
        return done;
    }

    @Override
    public AccountView account(PeerId id) throws LedgerException {
        try {
            return LedgerMessages.account(id, stub().account(AccountCall.newBuilder()
                    .setAccount(LedgerMessages.bytes(id.rawKey())).build()));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    private static ObjectCall object(Id id) {
        return ObjectCall.newBuilder().setId(LedgerMessages.bytes(id.bytes())).build();
    }

    @Override
    public Optional<ChannelView> channel(Id id) throws LedgerException {
        try {
            return LedgerMessages.channel(id, stub().channel(object(id)));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public Optional<EscrowView> escrow(Id id) throws LedgerException {
        try {
            return LedgerMessages.escrow(id, stub().escrow(object(id)));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public Optional<Receipt> receipt(Id transaction) throws LedgerException {
        try {
            return LedgerMessages.receipt(stub().receipt(object(transaction)));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public List<HistoryEntry> history(PeerId account, int max) throws LedgerException {
        try {
            EntriesReply r = stub().history(HistoryCall.newBuilder().setAccount(LedgerMessages.bytes(account.rawKey()))
                    .setMax(Math.max(1, Math.min(max, LedgerGrpcService.MAX_PAGE))).build());
            List<HistoryEntry> out = new ArrayList<>();
            for (dev.mycel.ledger.proto.Entry e : r.getEntriesList()) {
                out.add(new HistoryEntry(e.getSeq(), e.getTime(), TransactionCodec.decode(e.getTransaction().toByteArray())));
            }
            return out;
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public Head head() throws LedgerException {
        try {
            return LedgerMessages.head(stub().head(HeadCall.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public List<ChainEntry> entries(long from, int max) throws LedgerException {
        try {
            EntriesReply r = stub().entries(EntriesCall.newBuilder().setFrom(from).setMax(max).build());
            List<ChainEntry> out = new ArrayList<>(r.getEntriesCount());
            for (dev.mycel.ledger.proto.Entry e : r.getEntriesList()) {
                out.add(LedgerMessages.entry(e));
            }
            return out;
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    /** Asks the host's faucet (devnets) for {@code amount}, paid to this node. */
    public Receipt faucet(long amount) throws LedgerException {
        try {
            return LedgerMessages.receipt(stub().faucet(dev.mycel.ledger.proto.FaucetCall.newBuilder().setAmount(amount).build()))
                    .orElseThrow(() -> new LedgerException(Reason.UNAVAILABLE, "the host answered without a receipt"));
        } catch (StatusRuntimeException e) {
            throw unwrap(e);
        }
    }

    @Override
    public void close() {
        // The channel belongs to the caller's PeerChannels.
    }
}
