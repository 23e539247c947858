package dev.mycel.ledger.remote;

import com.google.protobuf.ByteString;
import dev.mycel.ledger.Head;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.proto.AccountReply;
import dev.mycel.ledger.proto.ChannelReply;
import dev.mycel.ledger.proto.Entry;
import dev.mycel.ledger.proto.EscrowReply;
import dev.mycel.ledger.proto.HeadReply;
import dev.mycel.ledger.proto.ReceiptReply;
import dev.mycel.ledger.proto.Unbonding;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.state.EscrowView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Between the ledger's records and its protobuf messages, both ways, with every byte field's length checked on the way in. */
final class LedgerMessages {
    private LedgerMessages() {
    }

    static ByteString bytes(byte[] b) {
        return ByteString.copyFrom(b);
    }

    static PeerId peer(ByteString b, String field) throws LedgerException {
        if (b.size() != PeerId.KEY_BYTES) {
            throw new LedgerException(Reason.MALFORMED, field + " must be a 32-byte key, not " + b.size() + " bytes");
        }
        return PeerId.ofRawKey(b.toByteArray());
    }

    static Id id(ByteString b, String field) throws LedgerException {
        if (b.size() != Id.BYTES) {
            throw new LedgerException(Reason.MALFORMED, field + " must be a 32-byte id, not " + b.size() + " bytes");
        }
        return Id.of(b.toByteArray());
    }

    static ReceiptReply receipt(Receipt r) {
        return ReceiptReply.newBuilder().setFound(true).setSeq(r.seq()).setTransactionId(bytes(r.transaction().bytes()))
                .setEntryHash(bytes(r.entryHash().bytes())).setTime(r.time()).build();
    }

    static Optional<Receipt> receipt(ReceiptReply r) throws LedgerException {
        if (!r.getFound()) {
            return Optional.empty();
        }
        return Optional.of(new Receipt(r.getSeq(), id(r.getTransactionId(), "transaction id"), id(r.getEntryHash(), "entry hash"),
                r.getTime()));
    }

    static AccountReply account(AccountView a) {
        AccountReply.Builder b = AccountReply.newBuilder().setBalance(a.balance()).setNonce(a.nonce()).setStaked(a.staked());
        for (AccountView.Unbonding u : a.unbonding()) {
            b.addUnbonding(Unbonding.newBuilder().setAmount(u.amount()).setReleaseAt(u.releaseAt()));
        }
        return b.build();
    }

    static AccountView account(PeerId id, AccountReply r) {
        List<AccountView.Unbonding> u = new ArrayList<>();
        for (Unbonding x : r.getUnbondingList()) {
            u.add(new AccountView.Unbonding(x.getAmount(), x.getReleaseAt()));
        }
        return new AccountView(id, r.getBalance(), r.getNonce(), r.getStaked(), u);
    }

    static ChannelReply channel(Optional<ChannelView> c) {
        if (c.isEmpty()) {
            return ChannelReply.newBuilder().setFound(false).build();
        }
        ChannelView v = c.get();
        return ChannelReply.newBuilder().setFound(true).setPayer(bytes(v.payer().rawKey())).setPayee(bytes(v.payee().rawKey()))
                .setDeposit(v.deposit()).setClaimed(v.claimed()).setExpiresAt(v.expiresAt()).setOpen(v.open()).build();
    }

    static Optional<ChannelView> channel(Id id, ChannelReply r) throws LedgerException {
        if (!r.getFound()) {
            return Optional.empty();
        }
        return Optional.of(new ChannelView(id, peer(r.getPayer(), "payer"), peer(r.getPayee(), "payee"), r.getDeposit(),
                r.getClaimed(), r.getExpiresAt(), r.getOpen()));
    }

    static EscrowReply escrow(Optional<EscrowView> e) {
        if (e.isEmpty()) {
            return EscrowReply.newBuilder().setFound(false).build();
        }
        EscrowView v = e.get();
        EscrowReply.Builder b = EscrowReply.newBuilder().setFound(true).setPayer(bytes(v.payer().rawKey()))
                .setPayee(bytes(v.payee().rawKey())).setAmount(v.amount()).setExpiresAt(v.expiresAt()).setOpen(v.open());
        if (v.arbiter() != null) {
            b.setArbiter(bytes(v.arbiter().rawKey()));
        }
        return b.build();
    }

    static Optional<EscrowView> escrow(Id id, EscrowReply r) throws LedgerException {
        if (!r.getFound()) {
            return Optional.empty();
        }
        return Optional.of(new EscrowView(id, peer(r.getPayer(), "payer"), peer(r.getPayee(), "payee"),
                r.getArbiter().isEmpty() ? null : peer(r.getArbiter(), "arbiter"), r.getAmount(), r.getExpiresAt(), r.getOpen()));
    }

    static HeadReply head(Head h) {
        return HeadReply.newBuilder().setSeq(h.seq()).setHash(bytes(h.hash().bytes())).setStateDigest(bytes(h.stateDigest().bytes()))
                .build();
    }

    static Head head(HeadReply r) throws LedgerException {
        return new Head(r.getSeq(), id(r.getHash(), "head hash"), id(r.getStateDigest(), "state digest"));
    }

    static Entry entry(ChainEntry e) {
        return Entry.newBuilder().setSeq(e.seq()).setTime(e.time()).setTransaction(bytes(e.transaction()))
                .setHash(bytes(e.hash().bytes())).build();
    }

    static ChainEntry entry(Entry e) throws LedgerException {
        return new ChainEntry(e.getSeq(), e.getTime(), e.getTransaction().toByteArray(), id(e.getHash(), "entry hash"));
    }
}
