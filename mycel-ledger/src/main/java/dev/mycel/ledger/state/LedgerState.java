package dev.mycel.ledger.state;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.Terms;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ledger's state machine: balances, nonces, stakes, escrows and channels, changed only by
 * {@link #apply}. Each operation checks everything first and only then changes anything, so a
 * refused transaction leaves the state exactly as it was (the signer's nonce included). Pure
 * and deterministic: the same transactions at the same times give the same state on every
 * node, which is what lets anyone replay the hash chain to the host's balances.
 *
 * <p>Not thread-safe: its owner serialises access.
 */
public final class LedgerState {
    private final LedgerRules rules;
    private final Map<PeerId, Account> accounts = new HashMap<>();
    private final Map<Id, Channel> channels = new HashMap<>();
    private final Map<Id, Escrow> escrows = new HashMap<>();
    private final Set<Id> usedEvidence = new HashSet<>();
    private long minted;
    private long burnt;

    public LedgerState(LedgerRules rules) {
        this.rules = rules;
    }

    private static final class Account {
        long balance;
        long nonce;
        long staked;
        final List<AccountView.Unbonding> unbonding = new ArrayList<>();
    }

    private static final class Channel {
        final PeerId payer;
        final PeerId payee;
        long deposit;
        long claimed;
        long expiresAt;
        boolean open = true;

        Channel(PeerId payer, PeerId payee, long deposit, long expiresAt) {
            this.payer = payer;
            this.payee = payee;
            this.deposit = deposit;
            this.expiresAt = expiresAt;
        }
    }

    private record Escrow(PeerId payer, PeerId payee, PeerId arbiter, long amount, long expiresAt, boolean open) {
    }

    public LedgerRules rules() {
        return rules;
    }

    /**
     * Applies {@code tx} at ledger time {@code now}, or refuses it and changes nothing. {@code
     * signatureChecked} lets a host that verified the signature on another thread skip doing it
     * again; replay always passes false.
     */
    public void apply(SignedTransaction tx, long now, boolean signatureChecked) throws LedgerException {
        if (!tx.chain().equals(rules.chain())) {
            throw new LedgerException(Reason.WRONG_CHAIN, "the transaction is for chain \"" + tx.chain() + "\", this ledger is \""
                    + rules.chain() + "\"");
        }
        if (!signatureChecked && !tx.signatureValid()) {
            throw new LedgerException(Reason.BAD_SIGNATURE, "the signature is not " + tx.signer() + "'s");
        }
        long expected = nonce(tx.signer());
        if (tx.nonce() != expected) {
            throw new LedgerException(Reason.BAD_NONCE, "nonce " + tx.nonce() + " for " + tx.signer() + ", whose next nonce is "
                    + expected + (tx.nonce() < expected ? " (a replay or a reused nonce)" : ""));
        }
        execute(tx, now);
        account(tx.signer()).nonce = expected + 1;
    }

    private void execute(SignedTransaction tx, long now) throws LedgerException {
        PeerId who = tx.signer();
        switch (tx.operation()) {
            case Operation.Transfer t -> {
                positive(t.amount(), "a transfer");
                if (t.to().equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "a transfer to oneself");
                }
                debit(who, t.amount());
                account(t.to()).balance += t.amount();
            }
            case Operation.Mint m -> {
                positive(m.amount(), "a mint");
                if (rules.mintAuthority() == null || !rules.mintAuthority().equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, who + " may not mint on " + rules.chain());
                }
                long supply = supply();
                if (m.amount() > Long.MAX_VALUE - supply || m.amount() > Long.MAX_VALUE - minted) {
                    throw new LedgerException(Reason.OVERFLOW, "minting " + m.amount() + " would take the supply past 2^63 - 1");
                }
                minted += m.amount();
                account(m.to()).balance += m.amount();
            }
            case Operation.EscrowCreate e -> {
                positive(e.amount(), "an escrow");
                future(e.expiresAt(), now, "the escrow's expiry");
                if (e.payee().equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "an escrow to oneself");
                }
                debit(who, e.amount());
                escrows.put(tx.id(), new Escrow(who, e.payee(), e.arbiter(), e.amount(), e.expiresAt(), true));
            }
            case Operation.EscrowRelease e -> {
                Escrow x = openEscrow(e.escrow());
                if (!who.equals(x.payer()) && !who.equals(x.arbiter())) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "only the escrow's payer or arbiter may release it");
                }
                escrows.put(e.escrow(), new Escrow(x.payer(), x.payee(), x.arbiter(), x.amount(), x.expiresAt(), false));
                account(x.payee()).balance += x.amount();
            }
            case Operation.EscrowRefund e -> {
                Escrow x = openEscrow(e.escrow());
                if (now < x.expiresAt()) {
                    throw new LedgerException(Reason.NOT_YET, "the escrow expires at " + x.expiresAt() + ", it is " + now);
                }
                escrows.put(e.escrow(), new Escrow(x.payer(), x.payee(), x.arbiter(), x.amount(), x.expiresAt(), false));
                account(x.payer()).balance += x.amount();
            }
            case Operation.Stake s -> {
                positive(s.amount(), "a stake");
                debit(who, s.amount());
                account(who).staked += s.amount();
            }
            case Operation.Unstake u -> {
                positive(u.amount(), "an unstake");
                Account a = accounts.get(who);
                long staked = a == null ? 0 : a.staked;
                if (staked < u.amount()) {
                    throw new LedgerException(Reason.INSUFFICIENT_FUNDS, who + " has " + staked + " staked, cannot unstake "
                            + u.amount());
                }
                long release = now > Long.MAX_VALUE - rules.unbondingMillis() ? Long.MAX_VALUE : now + rules.unbondingMillis();
                a.staked -= u.amount();
                a.unbonding.add(new AccountView.Unbonding(u.amount(), release));
            }
            case Operation.Withdraw x -> {
                Account a = accounts.get(who);
                long matured = 0;
                if (a != null) {
                    for (AccountView.Unbonding u : a.unbonding) {
                        matured += u.releaseAt() <= now ? u.amount() : 0;
                    }
                }
                if (matured == 0) {
                    throw new LedgerException(Reason.NOT_YET, "no unbonding stake of " + who + " has matured");
                }
                a.unbonding.removeIf(u -> u.releaseAt() <= now);
                a.balance += matured;
            }
            case Operation.Slash s -> slash(s, who);
            case Operation.ChannelOpen c -> {
                positive(c.deposit(), "a channel's deposit");
                future(c.expiresAt(), now, "the channel's expiry");
                if (c.payee().equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "a channel to oneself");
                }
                debit(who, c.deposit());
                channels.put(tx.id(), new Channel(who, c.payee(), c.deposit(), c.expiresAt()));
            }
            case Operation.ChannelTopUp c -> {
                Channel ch = openChannel(c.channel());
                if (!ch.payer.equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "only the channel's payer may top it up");
                }
                if (c.amount() < 0 || c.expiresAt() < ch.expiresAt) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "a top-up cannot take the channel's expiry back from "
                            + ch.expiresAt + " to " + c.expiresAt());
                }
                if (c.amount() == 0 && c.expiresAt() == ch.expiresAt) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "a top-up must add funds or time");
                }
                future(c.expiresAt(), now, "the channel's new expiry");
                debit(who, c.amount());
                ch.deposit += c.amount();
                ch.expiresAt = c.expiresAt();
            }
            case Operation.ChannelClaim c -> {
                Channel ch = openChannel(c.channel());
                if (!ch.payee.equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "only the channel's payee may redeem its vouchers");
                }
                if (now >= ch.expiresAt) {
                    throw new LedgerException(Reason.EXPIRED, "the channel expired at " + ch.expiresAt + ", it is " + now);
                }
                if (c.cumulative() <= ch.claimed) {
                    throw new LedgerException(Reason.STALE_VOUCHER, "a voucher for " + c.cumulative() + " in all adds nothing to the "
                            + ch.claimed + " already claimed");
                }
                if (c.cumulative() > ch.deposit) {
                    throw new LedgerException(Reason.INSUFFICIENT_FUNDS, "a voucher for " + c.cumulative()
                            + " is beyond the channel's deposit of " + ch.deposit);
                }
                if (!Terms.voucherValid(ch.payer, rules.chain(), c.channel(), c.cumulative(), c.voucherSignature())) {
                    throw new LedgerException(Reason.BAD_SIGNATURE, "the voucher is not signed by the channel's payer "
                            + ch.payer);
                }
                account(who).balance += c.cumulative() - ch.claimed;
                ch.claimed = c.cumulative();
            }
            case Operation.ChannelClose c -> {
                Channel ch = openChannel(c.channel());
                if (!ch.payee.equals(who)) {
                    throw new LedgerException(Reason.NOT_ALLOWED, "only the channel's payee may close it before expiry");
                }
                closeChannel(ch);
            }
            case Operation.ChannelRefund c -> {
                Channel ch = openChannel(c.channel());
                if (now < ch.expiresAt) {
                    throw new LedgerException(Reason.NOT_YET, "the channel expires at " + ch.expiresAt + ", it is " + now);
                }
                closeChannel(ch);
            }
        }
    }

    private void slash(Operation.Slash s, PeerId who) throws LedgerException {
        positive(s.amount(), "a slash");
        if (rules.referees().isEmpty()) {
            throw new LedgerException(Reason.NOT_ALLOWED, "this ledger names no referees: nobody can slash");
        }
        Id evidence = Id.of(s.evidence());
        if (usedEvidence.contains(evidence)) {
            throw new LedgerException(Reason.NOT_ALLOWED, "the evidence " + evidence + " has already slashed");
        }
        byte[] terms = Terms.verdict(rules.chain(), s.offender(), s.amount(), s.injured(), s.evidence());
        Set<PeerId> agreeing = new HashSet<>();
        for (Operation.Verdict v : s.verdicts()) {
            if (rules.referees().contains(v.referee()) && Signatures.verify(v.referee(), terms, v.signature())) {
                agreeing.add(v.referee());
            }
        }
        if (agreeing.size() < rules.quorum()) {
            throw new LedgerException(Reason.NOT_ALLOWED, agreeing.size() + " valid referee verdicts, the quorum is "
                    + rules.quorum());
        }
        Account a = accounts.get(s.offender());
        long available = a == null ? 0 : a.staked;
        if (a != null) {
            for (AccountView.Unbonding u : a.unbonding) {
                available += u.amount();
            }
        }
        if (available == 0) {
            throw new LedgerException(Reason.INSUFFICIENT_FUNDS, s.offender() + " holds no stake to slash");
        }
        long take = Math.min(s.amount(), available);
        // Stake first, then the unbonding parts that would mature last: the slash reaches stake
        // its owner tried to withdraw, which is what the unbonding delay is for.
        long left = take;
        long fromStake = Math.min(left, a.staked);
        a.staked -= fromStake;
        left -= fromStake;
        a.unbonding.sort((x, y) -> Long.compare(y.releaseAt(), x.releaseAt()));
        for (int i = 0; i < a.unbonding.size() && left > 0; i++) {
            AccountView.Unbonding u = a.unbonding.get(i);
            long part = Math.min(left, u.amount());
            a.unbonding.set(i, new AccountView.Unbonding(u.amount() - part, u.releaseAt()));
            left -= part;
        }
        a.unbonding.removeIf(u -> u.amount() == 0);
        a.unbonding.sort((x, y) -> Long.compare(x.releaseAt(), y.releaseAt()));
        long injured = take / 10_000 * rules.injuredShareBps() + take % 10_000 * rules.injuredShareBps() / 10_000;
        account(s.injured()).balance += injured;
        if (rules.treasury() != null) {
            account(rules.treasury()).balance += take - injured;
        } else {
            burnt += take - injured;
        }
        usedEvidence.add(evidence);
    }

    private void closeChannel(Channel ch) {
        account(ch.payer).balance += ch.deposit - ch.claimed;
        ch.open = false;
    }

    private Channel openChannel(Id id) throws LedgerException {
        Channel ch = channels.get(id);
        if (ch == null) {
            throw new LedgerException(Reason.UNKNOWN, "no channel " + id);
        }
        if (!ch.open) {
            throw new LedgerException(Reason.NOT_ALLOWED, "the channel " + id + " is closed");
        }
        return ch;
    }

    private Escrow openEscrow(Id id) throws LedgerException {
        Escrow x = escrows.get(id);
        if (x == null) {
            throw new LedgerException(Reason.UNKNOWN, "no escrow " + id);
        }
        if (!x.open()) {
            throw new LedgerException(Reason.NOT_ALLOWED, "the escrow " + id + " is settled");
        }
        return x;
    }

    private static void positive(long amount, String what) throws LedgerException {
        if (amount <= 0) {
            throw new LedgerException(Reason.NOT_ALLOWED, what + " must be of a positive amount, not " + amount);
        }
    }

    private static void future(long at, long now, String what) throws LedgerException {
        if (at <= now) {
            throw new LedgerException(Reason.EXPIRED, what + " (" + at + ") is not after now (" + now + ")");
        }
    }

    private void debit(PeerId who, long amount) throws LedgerException {
        if (amount == 0) {
            return;
        }
        Account a = accounts.get(who);
        long balance = a == null ? 0 : a.balance;
        if (balance < amount) {
            throw new LedgerException(Reason.INSUFFICIENT_FUNDS, who + " has " + balance + ", needs " + amount);
        }
        a.balance -= amount;
    }

    private Account account(PeerId id) {
        return accounts.computeIfAbsent(id, k -> new Account());
    }

    /** The next nonce {@code id}'s transactions must carry (0 for an account nobody has touched). */
    public long nonce(PeerId id) {
        Account a = accounts.get(id);
        return a == null ? 0 : a.nonce;
    }

    /** The account of {@code id}; an account nobody has touched is all zeros. */
    public AccountView view(PeerId id) {
        Account a = accounts.get(id);
        return a == null ? new AccountView(id, 0, 0, 0, List.of())
                : new AccountView(id, a.balance, a.nonce, a.staked, a.unbonding);
    }

    public Optional<ChannelView> channel(Id id) {
        Channel c = channels.get(id);
        return c == null ? Optional.empty()
                : Optional.of(new ChannelView(id, c.payer, c.payee, c.deposit, c.claimed, c.expiresAt, c.open));
    }

    public Optional<EscrowView> escrow(Id id) {
        Escrow x = escrows.get(id);
        return x == null ? Optional.empty()
                : Optional.of(new EscrowView(id, x.payer(), x.payee(), x.arbiter(), x.amount(), x.expiresAt(), x.open()));
    }

    public long minted() {
        return minted;
    }

    public long burnt() {
        return burnt;
    }

    /** What exists: minted less burnt. */
    public long supply() {
        return minted - burnt;
    }

    /**
     * Everything held anywhere (balances, stakes, unbonding, open escrows, channels' unclaimed
     * deposits), added up again from scratch: equal to {@link #supply} unless the state machine
     * is wrong, which the property tests check after every transaction.
     */
    public long holdings() {
        long sum = 0;
        for (Account a : accounts.values()) {
            sum = Math.addExact(sum, a.balance);
            sum = Math.addExact(sum, a.staked);
            for (AccountView.Unbonding u : a.unbonding) {
                sum = Math.addExact(sum, u.amount());
            }
        }
        for (Escrow x : escrows.values()) {
            sum = x.open() ? Math.addExact(sum, x.amount()) : sum;
        }
        for (Channel c : channels.values()) {
            sum = c.open ? Math.addExact(sum, c.deposit - c.claimed) : sum;
        }
        return sum;
    }

    /** Every account ever touched, in key order. */
    public List<AccountView> accounts() {
        List<AccountView> out = new ArrayList<>();
        for (PeerId id : new TreeMap<>(accounts).keySet()) {
            out.add(view(id));
        }
        return out;
    }

    /**
     * The accounts a transaction concerns (its signer, whoever it pays or could pay, whoever it
     * slashes), for each account's history. Looked up before or after applying it alike: the
     * escrows and channels it names keep their parties.
     */
    public java.util.Set<PeerId> parties(SignedTransaction tx) {
        java.util.Set<PeerId> out = new java.util.TreeSet<>();
        out.add(tx.signer());
        switch (tx.operation()) {
            case Operation.Transfer t -> out.add(t.to());
            case Operation.Mint m -> out.add(m.to());
            case Operation.EscrowCreate e -> out.add(e.payee());
            case Operation.EscrowRelease e -> escrow(e.escrow()).ifPresent(x -> { out.add(x.payer()); out.add(x.payee()); });
            case Operation.EscrowRefund e -> escrow(e.escrow()).ifPresent(x -> { out.add(x.payer()); out.add(x.payee()); });
            case Operation.Slash x -> {
                out.add(x.offender());
                out.add(x.injured());
            }
            case Operation.ChannelOpen c -> out.add(c.payee());
            case Operation.ChannelTopUp c -> channel(c.channel()).ifPresent(ch -> out.add(ch.payee()));
            case Operation.ChannelClaim c -> channel(c.channel()).ifPresent(ch -> out.add(ch.payer()));
            case Operation.ChannelClose c -> channel(c.channel()).ifPresent(ch -> out.add(ch.payer()));
            case Operation.ChannelRefund c -> channel(c.channel()).ifPresent(ch -> { out.add(ch.payer()); out.add(ch.payee()); });
            case Operation.Stake x -> { }
            case Operation.Unstake x -> { }
            case Operation.Withdraw x -> { }
        }
        return out;
    }

    /** SHA-256 of the whole state in a canonical order: two ledgers agree on every balance iff they agree on this. */
    public Id digest() {
        CanonicalWriter w = new CanonicalWriter("mycel/ledger-state/v1").text(rules.chain()).u64(minted).u64(burnt);
        TreeMap<PeerId, Account> sorted = new TreeMap<>(accounts);
        w.u32(sorted.size());
        sorted.forEach((id, a) -> {
            w.bytes(id.rawKey()).u64(a.balance).u64(a.nonce).u64(a.staked).u32(a.unbonding.size());
            a.unbonding.forEach(u -> w.u64(u.amount()).u64(u.releaseAt()));
        });
        TreeMap<Id, Channel> ch = new TreeMap<>(channels);
        w.u32(ch.size());
        ch.forEach((id, c) -> w.bytes(id.bytes()).bytes(c.payer.rawKey()).bytes(c.payee.rawKey()).u64(c.deposit).u64(c.claimed)
                .u64(c.expiresAt).u8(c.open ? 1 : 0));
        TreeMap<Id, Escrow> es = new TreeMap<>(escrows);
        w.u32(es.size());
        es.forEach((id, x) -> w.bytes(id.bytes()).bytes(x.payer().rawKey()).bytes(x.payee().rawKey())
                .bytes(x.arbiter() == null ? new byte[0] : x.arbiter().rawKey()).u64(x.amount()).u64(x.expiresAt())
                .u8(x.open() ? 1 : 0));
        List<Id> evidence = new ArrayList<>(usedEvidence);
        evidence.sort(null);
        w.u32(evidence.size());
        evidence.forEach(e -> w.bytes(e.bytes()));
        return Id.sha256(w.toByteArray());
    }
}
