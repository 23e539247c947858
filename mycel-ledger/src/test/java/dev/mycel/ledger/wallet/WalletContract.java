package dev.mycel.ledger.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.net.identity.NodeIdentity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Wallet} does, whichever ledger is behind it: the embedded one and the EVM
 * contract each run these same tests ({@code EmbeddedWalletTest}, {@code EvmWalletTest}).
 * Amounts a payer pays and a payee receives are compared exactly; on the EVM backend gas is
 * paid in fractions of a unit, so balances there are compared by what the contract moved.
 */
abstract class WalletContract {
    /** Wallets for three parties and three referees (a quorum of two), the parties funded with 10,000,000 units. */
    protected abstract Wallet wallet(NodeIdentity node) throws Exception;

    protected abstract void fund(NodeIdentity node, long units) throws Exception;

    /** Moves the ledger's clock on. */
    protected abstract void advance(Duration d) throws Exception;

    /** Referees' identities the ledger was made with. */
    protected abstract List<NodeIdentity> referees();

    /** Whether balances change by gas too (then only what the contract moves is compared exactly). */
    protected abstract boolean paysGas();

    static NodeIdentity node(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        seed[1] = 42;
        return NodeIdentity.fromSeed(seed);
    }

    private static Reason refusal(Executable e) {
        return assertThrows(LedgerException.class, e::run).reason();
    }

    interface Executable {
        void run() throws Exception;
    }

    @Test
    void aChannelPaysItsLatestVoucherOnceAndRefusesReplayedForgedAndInflatedOnes() throws Exception {
        NodeIdentity client = node(1);
        NodeIdentity server = node(2);
        fund(client, 10_000_000);
        fund(server, 1_000_000);
        try (Wallet payer = wallet(client); Wallet payee = wallet(server)) {
            long before = payer.balance(client.peerId());
            Id ch = payer.openChannel(server.peerId(), 600_000, Duration.ofHours(1));
            ChannelView view = payee.channel(ch).orElseThrow();
            assertEquals(client.peerId(), view.payer());
            assertEquals(server.peerId(), view.payee());
            assertEquals(600_000, view.deposit());
            if (!paysGas()) {
                assertEquals(before - 600_000, payer.balance(client.peerId()));
            }
            Voucher v1 = payer.signVoucher(ch, 1, 100_000);
            Voucher v2 = payer.signVoucher(ch, 2, 240_000);
            assertTrue(payee.voucherValid(view, v1) && payee.voucherValid(view, v2));
            Voucher inflated = new Voucher(ch, 3, 500_000, v2.signature());
            assertFalse(payee.voucherValid(view, inflated), "an inflated amount under the real signature");
            Voucher forged = payee.signVoucher(ch, 3, 500_000);
            assertFalse(payee.voucherValid(view, forged), "signed by the payee itself");

            long serverBefore = payee.balance(server.peerId());
            payee.claim(v2);
            long gained = payee.balance(server.peerId()) - serverBefore;
            assertTrue(paysGas() ? gained > 240_000 - 1_000 && gained <= 240_000 : gained == 240_000, "gained " + gained);
            assertEquals(240_000, payee.channel(ch).orElseThrow().claimed());
            assertEquals(Reason.STALE_VOUCHER, refusal(() -> payee.claim(v2)), "replayed");
            assertEquals(Reason.STALE_VOUCHER, refusal(() -> payee.claim(v1)), "an older one");
            assertEquals(Reason.BAD_SIGNATURE, refusal(() -> payee.claim(inflated)));
            assertEquals(Reason.BAD_SIGNATURE, refusal(() -> payee.claim(forged)));
            assertEquals(Reason.INSUFFICIENT_FUNDS, refusal(() -> payee.claim(payer.signVoucher(ch, 3, 600_001))), "beyond the deposit");
            assertEquals(Reason.NOT_YET, refusal(() -> payer.refundChannel(ch)));

            long payerBefore = payer.balance(client.peerId());
            payee.closeChannel(ch);
            assertEquals(payerBefore + 360_000, payer.balance(client.peerId()), "the rest back to the payer, who paid no gas for it");
            assertFalse(payee.channel(ch).orElseThrow().open());
            assertEquals(Reason.NOT_ALLOWED, refusal(() -> payee.claim(payer.signVoucher(ch, 4, 300_000))), "closed");
        }
    }

    @Test
    void anExpiredChannelCannotBeClaimedAndGoesBackToItsPayer() throws Exception {
        NodeIdentity client = node(3);
        NodeIdentity server = node(4);
        fund(client, 10_000_000);
        fund(server, 1_000_000);
        try (Wallet payer = wallet(client); Wallet payee = wallet(server)) {
            Id ch = payer.openChannel(server.peerId(), 300_000, Duration.ofMinutes(10));
            Voucher v = payer.signVoucher(ch, 1, 50_000);
            advance(Duration.ofMinutes(11));
            assertEquals(Reason.EXPIRED, refusal(() -> payee.claim(v)));
            long before = payer.balance(client.peerId());
            payee.refundChannel(ch);
            assertEquals(before + 300_000, payer.balance(client.peerId()));
        }
    }

    @Test
    void stakeUnbondsAfterTheDelayAndAQuorumSlashesEvenUnbondingStakeOnce() throws Exception {
        NodeIdentity offender = node(5);
        NodeIdentity injured = node(6);
        fund(offender, 10_000_000);
        fund(injured, 1_000_000);
        List<NodeIdentity> refs = referees();
        try (Wallet o = wallet(offender); Wallet i = wallet(injured); Wallet r0 = wallet(refs.get(0));
             Wallet r1 = wallet(refs.get(1))) {
            o.stake(2_000_000);
            o.unstake(1_500_000);
            assertEquals(500_000, o.staked(offender.peerId()));
            assertEquals(1_500_000, o.unbonding(offender.peerId()));
            assertEquals(Reason.NOT_YET, refusal(o::withdraw));
            byte[] evidence = Id.sha256("a spot check caught it".getBytes(java.nio.charset.StandardCharsets.UTF_8)).bytes();
            Operation.Verdict v0 = r0.signVerdict(offender.peerId(), 1_000_000, injured.peerId(), evidence);
            Operation.Verdict v1 = r1.signVerdict(offender.peerId(), 1_000_000, injured.peerId(), evidence);
            assertEquals(Reason.NOT_ALLOWED, refusal(() -> i.slash(offender.peerId(), 1_000_000, injured.peerId(), evidence,
                    List.of(v0))), "one referee of a quorum of two");
            long before = i.balance(injured.peerId());
            i.slash(offender.peerId(), 1_000_000, injured.peerId(), evidence, List.of(v1, v0));
            long gained = i.balance(injured.peerId()) - before;
            assertTrue(paysGas() ? gained > 500_000 - 1_000 && gained <= 500_000 : gained == 500_000, "half to the injured: " + gained);
            assertEquals(0, o.staked(offender.peerId()));
            assertEquals(1_000_000, o.unbonding(offender.peerId()), "the slash reached the unbonding stake");
            assertEquals(Reason.NOT_ALLOWED, refusal(() -> i.slash(offender.peerId(), 1_000_000, injured.peerId(), evidence,
                    List.of(v0, v1))), "the same evidence twice");
            advance(Duration.ofHours(2));
            long mine = o.balance(offender.peerId());
            o.withdraw();
            long back = o.balance(offender.peerId()) - mine;
            assertTrue(paysGas() ? back > 1_000_000 - 1_000 && back <= 1_000_000 : back == 1_000_000, "back " + back);
        }
    }

    @Test
    void transfersMoveExactlyTheirAmountAndOverspendingIsRefused() throws Exception {
        NodeIdentity a = node(7);
        NodeIdentity b = node(8);
        fund(a, 1_000_000);
        try (Wallet wa = wallet(a); Wallet wb = wallet(b)) {
            long bBefore = wb.balance(b.peerId());
            wa.transfer(b.peerId(), 123_456);
            assertEquals(bBefore + 123_456, wb.balance(b.peerId()));
            assertEquals(Reason.INSUFFICIENT_FUNDS, refusal(() -> wa.transfer(b.peerId(), 50_000_000)));
            assertEquals(Reason.NOT_ALLOWED, refusal(() -> wa.transfer(b.peerId(), 0)));
        }
    }
}
