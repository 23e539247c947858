package dev.mycel.ledger.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.Terms;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ledger's invariants over thousands of random transaction sequences (seeded: a failure
 * names its seed and step, and reruns the same): supply changes only by minting and slashing's
 * burn; nothing goes negative; everything held adds up to the supply; a refused transaction
 * changes nothing at all; and the refusals the issue names happen for exactly their reasons (bad
 * signature, reused nonce, insufficient balance, a voucher replayed, smaller, expired or beyond
 * its deposit, unbonding stake slashed).
 */
class LedgerStatePropertyTest {
    private static final String CHAIN = "mycel-test";
    private static final int PEOPLE = 8;
    private static final NodeIdentity[] ID = new NodeIdentity[PEOPLE];

    static {
        for (int i = 0; i < PEOPLE; i++) {
            byte[] seed = new byte[32];
            seed[0] = (byte) (i + 1);
            ID[i] = NodeIdentity.fromSeed(seed);
        }
    }

    /** Identity 0 mints; 5, 6 and 7 are referees with a quorum of 2; slashed stake half to the injured, half burnt or to 4. */
    private static LedgerRules rules(boolean treasury) {
        return new LedgerRules(CHAIN, ID[0].peerId(), 5_000, List.of(ID[5].peerId(), ID[6].peerId(), ID[7].peerId()), 2, 5_000,
                treasury ? ID[4].peerId() : null);
    }

    /** One random run: what it has opened so far, to aim later operations at. */
    private static final class Run {
        final SplittableRandom rnd;
        final LedgerState state;
        final List<Id> channels = new ArrayList<>();
        final List<Id> escrows = new ArrayList<>();
        final long[] nonce = new long[PEOPLE];
        long now = 1_000_000;
        long mintedByMe;
        long burntSeen;
        int refusals;
        int[] byReason = new int[Reason.values().length];

        Run(long seed, boolean treasury) {
            rnd = new SplittableRandom(seed);
            state = new LedgerState(rules(treasury));
        }

        int who() {
            return rnd.nextInt(PEOPLE);
        }

        long amount(long around) {
            return Math.max(1, rnd.nextLong(Math.max(2, around * 2)));
        }

        SignedTransaction tx(int signer, Operation op) {
            return SignedTransaction.sign(CHAIN, ID[signer], nonce[signer], op);
        }
    }

    @Test
    void invariantsHoldOverThousandsOfRandomSequences() {
        long applied = 0;
        long refused = 0;
        int[] byReason = new int[Reason.values().length];
        for (long seed = 1; seed <= 120; seed++) {
            Run run = new Run(seed, seed % 2 == 0);
            for (int step = 0; step < 250; step++) {
                step(run, seed, step);
            }
            applied += run.nonce[0] + run.nonce[1] + run.nonce[2] + run.nonce[3] + run.nonce[4] + run.nonce[5] + run.nonce[6]
                    + run.nonce[7];
            refused += run.refusals;
            for (int r = 0; r < byReason.length; r++) {
                byReason[r] += run.byReason[r];
            }
        }
        for (Reason r : List.of(Reason.BAD_SIGNATURE, Reason.BAD_NONCE, Reason.INSUFFICIENT_FUNDS, Reason.STALE_VOUCHER,
                Reason.EXPIRED, Reason.NOT_YET, Reason.NOT_ALLOWED)) {
            assertTrue(byReason[r.ordinal()] > 20, "only " + byReason[r.ordinal()] + " refusals for " + r);
        }
        // 30,000 random transactions: a good share applied, the others each refused for their reason.
        assertTrue(applied > 10_000, "applied " + applied);
        assertTrue(refused > 5_000, "refused " + refused);
    }

    private static void step(Run run, long seed, int step) {
        SplittableRandom rnd = run.rnd;
        run.now += rnd.nextInt(400);
        int kind = rnd.nextInt(20);
        int a = run.who();
        int b = (a + 1 + rnd.nextInt(PEOPLE - 1)) % PEOPLE;
        AccountView before = run.state.view(ID[a].peerId());
        long balance = before.balance();
        Reason expected = null;
        SignedTransaction tx;
        switch (kind) {
            case 0, 1 -> tx = run.tx(0, new Operation.Mint(ID[b].peerId(), run.amount(5_000)));
            case 2 -> {
                tx = run.tx(a == 0 ? 1 : a, new Operation.Mint(ID[b].peerId(), 10));
                expected = Reason.NOT_ALLOWED;
            }
            case 3, 4 -> tx = run.tx(a, new Operation.Transfer(ID[b].peerId(), run.amount(balance / 2 + 1)));
            case 5 -> {
                // More than the balance: refused, nothing moves.
                tx = run.tx(a, new Operation.Transfer(ID[b].peerId(), balance + 1 + rnd.nextInt(100)));
                expected = Reason.INSUFFICIENT_FUNDS;
            }
            case 6 -> {
                // A good transaction with one byte of its signature changed.
                SignedTransaction good = run.tx(a, new Operation.Transfer(ID[b].peerId(), 1));
                byte[] sig = good.signature();
                sig[rnd.nextInt(sig.length)] ^= (byte) (1 + rnd.nextInt(255));
                tx = new SignedTransaction(good.chain(), good.signer(), good.nonce(), good.operation(), sig);
                expected = Reason.BAD_SIGNATURE;
            }
            case 7 -> {
                // A nonce already used (or, for a fresh account, one from the future).
                long n = run.nonce[a] > 0 ? rnd.nextLong(run.nonce[a]) : 1 + rnd.nextInt(5);
                tx = SignedTransaction.sign(CHAIN, ID[a], n, new Operation.Transfer(ID[b].peerId(), 1));
                expected = Reason.BAD_NONCE;
            }
            case 8 -> tx = run.tx(a, new Operation.Stake(run.amount(balance / 2 + 1)));
            case 9 -> tx = run.tx(a, new Operation.Unstake(run.amount(before.staked() / 2 + 1)));
            case 10 -> tx = run.tx(a, new Operation.Withdraw());
            case 11 -> tx = run.tx(a, new Operation.ChannelOpen(ID[b].peerId(), run.amount(balance / 3 + 1),
                    run.now + 1 + rnd.nextInt(20_000)));
            case 12, 13 -> {
                // A voucher on a known channel: usually fresh, sometimes stale, beyond the deposit, or forged.
                if (run.channels.isEmpty()) {
                    tx = run.tx(a, new Operation.Withdraw());
                    break;
                }
                Id id = run.channels.get(rnd.nextInt(run.channels.size()));
                ChannelView ch = run.state.channel(id).orElseThrow();
                int payee = index(ch.payee());
                int payer = index(ch.payer());
                int variant = rnd.nextInt(5);
                long cumulative = switch (variant) {
                    case 0 -> ch.claimed() > 0 ? 1 + rnd.nextLong(ch.claimed()) : 0;
                    case 1 -> ch.deposit() + 1 + rnd.nextInt(50);
                    default -> ch.claimed() + 1 + rnd.nextLong(Math.max(1, ch.remaining()));
                };
                NodeIdentity signer = variant == 2 ? ID[(payer + 1) % PEOPLE] : ID[payer];
                byte[] voucher = Terms.signVoucher(signer, CHAIN, id, cumulative);
                tx = run.tx(payee, new Operation.ChannelClaim(id, cumulative, voucher));
                if (!ch.open()) {
                    expected = Reason.NOT_ALLOWED;
                } else if (run.now >= ch.expiresAt()) {
                    expected = Reason.EXPIRED;
                } else if (cumulative <= ch.claimed()) {
                    expected = Reason.STALE_VOUCHER;
                } else if (cumulative > ch.deposit()) {
                    expected = Reason.INSUFFICIENT_FUNDS;
                } else if (variant == 2 && signer != ID[payer]) {
                    expected = Reason.BAD_SIGNATURE;
                }
            }
            case 14 -> {
                if (run.channels.isEmpty()) {
                    tx = run.tx(a, new Operation.Withdraw());
                    break;
                }
                Id id = run.channels.get(rnd.nextInt(run.channels.size()));
                ChannelView ch = run.state.channel(id).orElseThrow();
                tx = rnd.nextBoolean() ? run.tx(index(ch.payee()), new Operation.ChannelClose(id))
                        : rnd.nextBoolean() ? run.tx(a, new Operation.ChannelRefund(id))
                        : run.tx(index(ch.payer()), new Operation.ChannelTopUp(id, rnd.nextInt(100), ch.expiresAt()
                                + rnd.nextInt(5_000)));
            }
            case 15 -> tx = run.tx(a, new Operation.EscrowCreate(ID[b].peerId(), run.amount(balance / 3 + 1),
                    run.now + 1 + rnd.nextInt(10_000), rnd.nextBoolean() ? ID[(b + 1) % PEOPLE].peerId() : null));
            case 16 -> {
                if (run.escrows.isEmpty()) {
                    tx = run.tx(a, new Operation.Withdraw());
                    break;
                }
                Id id = run.escrows.get(rnd.nextInt(run.escrows.size()));
                tx = rnd.nextBoolean() ? run.tx(a, new Operation.EscrowRelease(id)) : run.tx(a, new Operation.EscrowRefund(id));
            }
            default -> {
                // A slash of whoever holds stake or unbonding stake, with a quorum or without.
                int offender = a;
                long amount = run.amount(before.staked() + before.unbondingTotal() + 1);
                byte[] evidence = Id.sha256(new byte[] {(byte) seed, (byte) step, (byte) rnd.nextInt(3)}).bytes();
                int verdicts = rnd.nextInt(4);
                List<Operation.Verdict> signed = new ArrayList<>();
                for (int r = 0; r < verdicts; r++) {
                    signed.add(Terms.signVerdict(ID[5 + r % 3], CHAIN, ID[offender].peerId(), amount, ID[b].peerId(), evidence));
                }
                tx = run.tx(b, new Operation.Slash(ID[offender].peerId(), amount, ID[b].peerId(), evidence, signed));
                long distinct = signed.stream().map(Operation.Verdict::referee).distinct().count();
                if (distinct < 2) {
                    expected = Reason.NOT_ALLOWED;
                } else if (before.staked() + before.unbondingTotal() == 0) {
                    expected = Reason.INSUFFICIENT_FUNDS;
                }
            }
        }
        apply(run, tx, expected, seed, step);
    }

    private static int index(PeerId p) {
        for (int i = 0; i < PEOPLE; i++) {
            if (ID[i].peerId().equals(p)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown " + p);
    }

    private static void apply(Run run, SignedTransaction tx, Reason expected, long seed, int step) {
        String where = "seed " + seed + " step " + step + " (" + tx.operation().getClass().getSimpleName() + ")";
        LedgerState s = run.state;
        Id digestBefore = s.digest();
        long supplyBefore = s.supply();
        List<AccountView> accountsBefore = s.accounts();
        int signer = index(tx.signer());
        try {
            s.apply(tx, run.now, false);
            if (expected != null) {
                fail(where + ": expected a refusal for " + expected + ", it was applied");
            }
            run.nonce[signer]++;
            switch (tx.operation()) {
                case Operation.ChannelOpen c -> run.channels.add(tx.id());
                case Operation.EscrowCreate e -> run.escrows.add(tx.id());
                case Operation.Mint m -> run.mintedByMe += m.amount();
                case Operation.Transfer t -> {
                    assertEquals(balanceOf(accountsBefore, tx.signer()) - t.amount(), s.view(tx.signer()).balance(), where);
                    assertEquals(balanceOf(accountsBefore, t.to()) + t.amount(), s.view(t.to()).balance(), where);
                }
                default -> {
                }
            }
            assertEquals(run.nonce[signer], s.view(tx.signer()).nonce(), where);
        } catch (LedgerException e) {
            run.refusals++;
            run.byReason[e.reason().ordinal()]++;
            if (expected != null) {
                assertEquals(expected, e.reason(), where + ": " + e.getMessage());
            }
            // A refusal changes nothing: not a balance, not a nonce, not a channel.
            assertEquals(digestBefore, s.digest(), where + ": a refused transaction changed the state (" + e.getMessage() + ")");
        }
        // Supply moves only by minting (up) and by slashing's burn (down).
        long burntNow = s.burnt();
        assertTrue(burntNow >= run.burntSeen, where);
        run.burntSeen = burntNow;
        assertEquals(run.mintedByMe, s.minted(), where);
        assertEquals(run.mintedByMe - burntNow, s.supply(), where);
        assertTrue(s.supply() <= supplyBefore + (tx.operation() instanceof Operation.Mint m ? m.amount() : 0), where);
        assertEquals(s.supply(), s.holdings(), where + ": holdings do not add up to the supply");
        for (AccountView v : s.accounts()) {
            assertTrue(v.balance() >= 0 && v.staked() >= 0, where + ": negative " + v);
            v.unbonding().forEach(u -> assertTrue(u.amount() > 0, where + ": " + v));
        }
    }

    private static long balanceOf(List<AccountView> accounts, PeerId id) {
        return accounts.stream().filter(v -> v.id().equals(id)).mapToLong(AccountView::balance).findFirst().orElse(0);
    }

    @Test
    void unbondingStakeCanStillBeSlashedUntilItIsWithdrawn() throws Exception {
        LedgerState s = new LedgerState(rules(false));
        long[] n = new long[PEOPLE];
        long t = 1_000;
        s.apply(SignedTransaction.sign(CHAIN, ID[0], n[0]++, new Operation.Mint(ID[1].peerId(), 1_000)), t, false);
        s.apply(SignedTransaction.sign(CHAIN, ID[1], n[1]++, new Operation.Stake(800)), t, false);
        s.apply(SignedTransaction.sign(CHAIN, ID[1], n[1]++, new Operation.Unstake(800)), t, false);
        assertEquals(0, s.view(ID[1].peerId()).staked());
        // Before the unbonding delay (5 s) ends, a withdrawal is refused...
        LedgerException early = org.junit.jupiter.api.Assertions.assertThrows(LedgerException.class,
                () -> s.apply(SignedTransaction.sign(CHAIN, ID[1], 2, new Operation.Withdraw()), 5_999, false));
        assertEquals(Reason.NOT_YET, early.reason());
        // ...and a slash reaches the unbonding stake: 600 taken, 300 to the injured, 300 burnt.
        byte[] evidence = Id.sha256(new byte[] {42}).bytes();
        List<Operation.Verdict> verdicts = List.of(
                Terms.signVerdict(ID[5], CHAIN, ID[1].peerId(), 600, ID[2].peerId(), evidence),
                Terms.signVerdict(ID[7], CHAIN, ID[1].peerId(), 600, ID[2].peerId(), evidence));
        s.apply(SignedTransaction.sign(CHAIN, ID[3], n[3]++, new Operation.Slash(ID[1].peerId(), 600, ID[2].peerId(), evidence,
                verdicts)), 5_500, false);
        assertEquals(200, s.view(ID[1].peerId()).unbondingTotal());
        assertEquals(300, s.view(ID[2].peerId()).balance());
        assertEquals(300, s.burnt());
        assertEquals(700, s.supply());
        // The same evidence never slashes twice.
        LedgerException again = org.junit.jupiter.api.Assertions.assertThrows(LedgerException.class,
                () -> s.apply(SignedTransaction.sign(CHAIN, ID[3], 1, new Operation.Slash(ID[1].peerId(), 600, ID[2].peerId(),
                        evidence, verdicts)), 5_600, false));
        assertEquals(Reason.NOT_ALLOWED, again.reason());
        // After the delay, what is left comes back.
        s.apply(SignedTransaction.sign(CHAIN, ID[1], n[1]++, new Operation.Withdraw()), 6_000, false);
        assertEquals(400, s.view(ID[1].peerId()).balance());
        assertEquals(s.supply(), s.holdings());
    }
}
