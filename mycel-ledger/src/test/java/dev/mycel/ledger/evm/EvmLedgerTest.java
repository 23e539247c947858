package dev.mycel.ledger.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * The EVM backend against a real chain (anvil): the contract deployed from the committed
 * bytecode, driven through web3j. Each rule the embedded ledger has is checked here on the
 * chain: stakes unbond after the delay and stay slashable until withdrawn, a quorum of referees'
 * EIP-712 verdicts slashes (half to the injured, half burnt), vouchers are checked off-chain
 * and redeemed on-chain once each, never for less, beyond the deposit, after expiry or when
 * forged; escrow; and an EVM address bound to a node id by both keys.
 */
class EvmLedgerTest {
    private static Anvil chain;
    private static EvmLedger deployer;
    private static Credentials payer;
    private static Credentials server;
    private static Credentials[] referees;

    @BeforeAll
    static void deploy() throws Exception {
        chain = Anvil.start();
        Credentials owner = chain.fundedAccount(1, 100);
        payer = chain.fundedAccount(2, 100);
        server = chain.fundedAccount(3, 100);
        referees = new Credentials[] {chain.fundedAccount(5, 1), chain.fundedAccount(6, 1), chain.fundedAccount(7, 1)};
        deployer = EvmLedger.deploy(chain.web3(), owner, Anvil.CHAIN_ID, 3_600,
                List.of(referees[0].getAddress(), referees[1].getAddress(), referees[2].getAddress()), 2, 5_000, null);
        // The deployed code is the committed bytecode's runtime part (the constructor ran).
        String code = chain.web3().ethGetCode(deployer.contract(), DefaultBlockParameterName.LATEST).send().getCode();
        assertTrue(code.length() > 1000 && EvmLedger.bytecode().contains(code.substring(2, 200)), "deployed code is the committed one");
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.close();
        }
    }

    private static byte[] id(String name) {
        return Id.sha256(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).bytes();
    }

    private static Reason refused(ThrowingCall call) {
        LedgerException e = assertThrows(LedgerException.class, call::run);
        return e.reason();
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void aChannelPaysThePayeeOnceForItsLatestVoucherAndRefusesEveryBadOne() throws Exception {
        EvmLedger client = deployer.as(payer);
        EvmLedger srv = deployer.as(server);
        byte[] ch = id("channel-1");
        long expires = chain.now() + 600;
        client.openChannel(ch, server.getAddress(), 1_000_000, expires);
        // Vouchers the client signs as it is served; the server checks each without the chain.
        byte[] v1 = client.signVoucher(ch, 1, 100_000);
        byte[] v2 = client.signVoucher(ch, 2, 250_000);
        assertTrue(srv.voucherValid(payer.getAddress(), ch, 2, 250_000, v2));
        assertFalse(srv.voucherValid(payer.getAddress(), ch, 2, 260_000, v2), "an inflated amount does not match the signature");
        assertFalse(srv.voucherValid(payer.getAddress(), ch, 2, 250_000,
                new Eip712(Anvil.CHAIN_ID + 1, deployer.contract()).voucherDigest(ch, 2, EvmUnits.wei(250_000))),
                "garbage is no signature");
        Eip712 otherChain = new Eip712(1, deployer.contract());
        byte[] wrongChain = Eip712.sign(otherChain.voucherDigest(ch, 2, EvmUnits.wei(250_000)), payer.getEcKeyPair());
        assertFalse(srv.voucherValid(payer.getAddress(), ch, 2, 250_000, wrongChain), "a voucher for another chain id");

        BigInteger before = srv.balanceWei(server.getAddress());
        EvmLedger.Receipt claimed = srv.claim(ch, 2, 250_000, v2);
        System.out.println("gas per claim: " + claimed.gasUsed());
        assertTrue(claimed.gasUsed() < 100_000, "a claim costs " + claimed.gasUsed() + " gas");
        EvmLedger.Channel c = srv.channel(ch).orElseThrow();
        assertEquals(250_000, c.claimed());
        assertEquals(2, c.nonce());
        assertEquals(before.add(EvmUnits.wei(250_000)).subtract(claimed.feeWei()), srv.balanceWei(server.getAddress()),
                "the payee got exactly the voucher's amount, less its gas");

        assertEquals(Reason.STALE_VOUCHER, refused(() -> srv.claim(ch, 2, 250_000, v2)), "replayed");
        assertEquals(Reason.STALE_VOUCHER, refused(() -> srv.claim(ch, 1, 100_000, v1)), "an older, smaller one");
        assertEquals(Reason.BAD_SIGNATURE, refused(() -> srv.claim(ch, 3, 900_000, srv.signVoucher(ch, 3, 900_000))),
                "signed by the payee itself");
        assertEquals(Reason.BAD_SIGNATURE, refused(() -> srv.claim(ch, 3, 250_001, wrongChain)), "another chain's voucher");
        assertEquals(Reason.INSUFFICIENT_FUNDS, refused(() -> srv.claim(ch, 3, 1_000_001, client.signVoucher(ch, 3, 1_000_001))),
                "beyond the deposit");
        assertEquals(Reason.NOT_ALLOWED, refused(() -> client.claim(ch, 3, 300_000, client.signVoucher(ch, 3, 300_000))),
                "only the payee redeems");
        assertEquals(Reason.NOT_YET, refused(() -> client.refundChannel(ch)), "the payer waits for expiry");

        // The payee closes: the rest goes back to the payer at once.
        long payerBefore = client.balance(payer.getAddress());
        srv.closeChannel(ch);
        assertEquals(payerBefore + 750_000, client.balance(payer.getAddress()));
        assertEquals(Reason.NOT_ALLOWED, refused(() -> srv.claim(ch, 3, 300_000, client.signVoucher(ch, 3, 300_000))), "closed");
        assertEquals(Reason.UNKNOWN, refused(() -> srv.closeChannel(id("no such channel"))));
    }

    @Test
    void anExpiredChannelRefusesClaimsAndRefundsItsPayer() throws Exception {
        EvmLedger client = deployer.as(payer);
        EvmLedger srv = deployer.as(server);
        byte[] ch = id("channel-2");
        client.openChannel(ch, server.getAddress(), 500_000, chain.now() + 100);
        byte[] v = client.signVoucher(ch, 1, 100_000);
        chain.advance(200);
        assertEquals(Reason.EXPIRED, refused(() -> srv.claim(ch, 1, 100_000, v)));
        long before = client.balance(payer.getAddress());
        srv.refundChannel(ch);
        assertEquals(before + 500_000, client.balance(payer.getAddress()), "anyone may trigger the refund; the payer gets it all");
        assertEquals(Reason.EXPIRED, refused(() -> client.openChannel(id("channel-3"), server.getAddress(), 1, chain.now() - 1)));
    }

    @Test
    void unbondingStakeIsSlashedByAQuorumOfRefereesAndOnlyOnce() throws Exception {
        Credentials offenderKey = chain.fundedAccount(20, 10);
        Credentials injuredKey = chain.fundedAccount(21, 1);
        EvmLedger offender = deployer.as(offenderKey);
        offender.stake(2_000_000);
        offender.unstake(1_500_000);
        assertEquals(500_000, offender.staked(offenderKey.getAddress()));
        assertEquals(1_500_000, offender.unbonding(offenderKey.getAddress()));
        assertEquals(Reason.NOT_YET, refused(offender::withdraw), "the unbonding delay is an hour");

        byte[] evidence = id("spot-check mismatch 1");
        String o = offenderKey.getAddress();
        String inj = injuredKey.getAddress();
        byte[] v0 = deployer.as(referees[0]).signVerdict(o, 1_200_000, inj, evidence);
        byte[] v2 = deployer.as(referees[2]).signVerdict(o, 1_200_000, inj, evidence);
        byte[] outsider = deployer.as(injuredKey).signVerdict(o, 1_200_000, inj, evidence);
        EvmLedger anyone = deployer.as(injuredKey);
        assertEquals(Reason.NOT_ALLOWED, refused(() -> anyone.slash(o, 1_200_000, inj, evidence, List.of(v0))), "one referee");
        assertEquals(Reason.NOT_ALLOWED, refused(() -> anyone.slash(o, 1_200_000, inj, evidence, List.of(v0, outsider))),
                "an outsider does not count");
        BigInteger injuredBefore = anyone.balanceWei(inj);
        long burntBefore = anyone.burnt();
        EvmLedger.Receipt slashed = anyone.slash(o, 1_200_000, inj, evidence, List.of(v2, v0));
        // 500,000 of stake, then 700,000 of the unbonding stake; half to the injured (less its gas), half burnt.
        assertEquals(0, offender.staked(o));
        assertEquals(800_000, offender.unbonding(o));
        assertEquals(burntBefore + 600_000, anyone.burnt());
        assertEquals(injuredBefore.add(EvmUnits.wei(600_000)).subtract(slashed.feeWei()), anyone.balanceWei(inj));
        assertEquals(Reason.NOT_ALLOWED, refused(() -> anyone.slash(o, 1_200_000, inj, evidence, List.of(v0, v2))),
                "the same evidence twice");
        chain.advance(3_700);
        BigInteger before = offender.balanceWei(o);
        EvmLedger.Receipt withdrawn = offender.withdraw();
        assertEquals(before.add(EvmUnits.wei(800_000)).subtract(withdrawn.feeWei()), offender.balanceWei(o),
                "what was not slashed comes back after the delay");
        assertEquals(Reason.NOT_YET, refused(offender::withdraw), "nothing left to withdraw");
    }

    @Test
    void escrowIsReleasedByItsArbiterOrRefundedAfterExpiry() throws Exception {
        Credentials arbiterKey = chain.fundedAccount(30, 1);
        EvmLedger client = deployer.as(payer);
        byte[] job = id("job-1");
        client.createEscrow(job, server.getAddress(), arbiterKey.getAddress(), 300_000, chain.now() + 100);
        assertEquals(Reason.NOT_ALLOWED, refused(() -> deployer.as(server).releaseEscrow(job)), "the payee cannot release");
        long before = client.balance(server.getAddress());
        deployer.as(arbiterKey).releaseEscrow(job);
        assertEquals(before + 300_000, client.balance(server.getAddress()));
        assertFalse(client.escrow(job).orElseThrow().open());
        byte[] job2 = id("job-2");
        client.createEscrow(job2, server.getAddress(), null, 200_000, chain.now() + 100);
        assertEquals(Reason.NOT_YET, refused(() -> client.refundEscrow(job2)));
        chain.advance(200);
        long payerBefore = client.balance(payer.getAddress());
        deployer.as(server).refundEscrow(job2);
        assertEquals(payerBefore + 200_000, client.balance(payer.getAddress()));
    }

    @Test
    void anAddressIsBoundToANodeIdByBothKeys() throws Exception {
        NodeIdentity node = NodeIdentity.fromSeed(new byte[32]);
        Credentials key = chain.fundedAccount(40, 1);
        EvmLedger mine = deployer.as(key);
        assertTrue(mine.addressOf(node.peerId()).isEmpty());
        mine.bind(node);
        assertEquals(key.getAddress().toLowerCase(), mine.addressOf(node.peerId()).orElseThrow().toLowerCase());
        // An address claiming a node whose key never signed for it is bound on the chain, and refused by every reader.
        NodeIdentity victim = NodeIdentity.fromSeed(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
            9, 9, 9, 9, 9, 9, 9});
        Credentials thief = chain.fundedAccount(41, 1);
        byte[] forged = node.sign(EvmLedger.bindingMessage(Anvil.CHAIN_ID, deployer.contract(), thief.getAddress()));
        deployer.as(thief).bindRaw(victim.peerId().rawKey(), forged);
        assertTrue(deployer.addressOf(victim.peerId()).isEmpty());
        assertEquals(Reason.NOT_ALLOWED, refused(() -> deployer.as(thief).bind(node)), "a node key bound to another address");
    }
}
