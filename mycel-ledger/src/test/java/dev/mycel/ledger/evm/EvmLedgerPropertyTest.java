package dev.mycel.ledger.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.tx.Id;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * The ledger's invariants on the EVM backend, over seeded random sequences on a real chain
 * (fewer than on the embedded one: each transaction is a block). After every transaction the
 * contract holds exactly what its books say (stakes, unbonding stakes, channels' unclaimed
 * deposits, open escrows, and what was burnt); a refused transaction changes no book, no
 * balance, and costs its sender nothing (it is refused at the gas estimate, before signing).
 */
class EvmLedgerPropertyTest {
    private static final int PEOPLE = 4;

    private record Books(BigInteger contractWei, List<Long> staked, List<Long> unbonding, List<EvmLedger.Channel> channels,
                         List<EvmLedger.Escrow> escrows, BigInteger burntWei, List<BigInteger> balances) {
    }

    @Test
    void theContractAlwaysHoldsWhatItsBooksSayAndRefusalsChangeNothing() throws Exception {
        try (Anvil chain = Anvil.start()) {
            int applied = 0;
            int refused = 0;
            int slashes = 0;
            for (long seed = 1; seed <= 3; seed++) {
                SplittableRandom rnd = new SplittableRandom(seed);
                Credentials[] who = new Credentials[PEOPLE];
                for (int i = 0; i < PEOPLE; i++) {
                    who[i] = chain.fundedAccount(1_000 * seed + i, 50);
                }
                Credentials[] refs = {chain.fundedAccount(1_000 * seed + 10, 1), chain.fundedAccount(1_000 * seed + 11, 1)};
                EvmLedger base = EvmLedger.deploy(chain.web3(), who[0], Anvil.CHAIN_ID, 300,
                        List.of(refs[0].getAddress(), refs[1].getAddress()), 2, 5_000, null);
                List<byte[]> channels = new ArrayList<>();
                List<byte[]> escrows = new ArrayList<>();
                long[] voucherNonce = new long[64];
                for (int step = 0; step < 60; step++) {
                    int a = rnd.nextInt(PEOPLE);
                    int b = (a + 1 + rnd.nextInt(PEOPLE - 1)) % PEOPLE;
                    EvmLedger me = base.as(who[a]);
                    Books before = books(base, who, channels, escrows);
                    String where = "seed " + seed + " step " + step;
                    try {
                        switch (rnd.nextInt(10)) {
                            case 0 -> me.stake(1 + rnd.nextInt(2_000_000));
                            case 1 -> me.unstake(1 + rnd.nextLong(Math.max(1, 2 * me.staked(who[a].getAddress()))));
                            case 2 -> {
                                chain.advance(rnd.nextInt(400));
                                me.withdraw();
                            }
                            case 3 -> {
                                byte[] id = Id.sha256(new byte[] {(byte) seed, (byte) step}).bytes();
                                me.openChannel(id, who[b].getAddress(), 1 + rnd.nextInt(1_000_000), chain.now() + 1 + rnd.nextInt(600));
                                channels.add(id);
                            }
                            case 4, 5 -> {
                                if (channels.isEmpty()) {
                                    me.withdraw();
                                    break;
                                }
                                int k = rnd.nextInt(channels.size());
                                byte[] id = channels.get(k);
                                EvmLedger.Channel c = base.channel(id).orElseThrow();
                                Credentials payer = find(who, c.payer());
                                Credentials payee = find(who, c.payee());
                                long cumulative = rnd.nextInt(4) == 0 ? c.claimed() : c.claimed() + 1 + rnd.nextLong(c.remaining() + 10);
                                long nonce = ++voucherNonce[k];
                                Credentials signer = rnd.nextInt(5) == 0 ? payee : payer;
                                byte[] voucher = base.as(signer).signVoucher(id, nonce, cumulative);
                                base.as(payee).claim(id, nonce, cumulative, voucher);
                            }
                            case 6 -> {
                                if (channels.isEmpty()) {
                                    me.withdraw();
                                    break;
                                }
                                byte[] id = channels.get(rnd.nextInt(channels.size()));
                                if (rnd.nextBoolean()) {
                                    me.closeChannel(id);
                                } else {
                                    me.refundChannel(id);
                                }
                            }
                            case 7 -> {
                                byte[] id = Id.sha256(new byte[] {(byte) seed, (byte) step, 1}).bytes();
                                me.createEscrow(id, who[b].getAddress(), rnd.nextBoolean() ? refs[0].getAddress() : null,
                                        1 + rnd.nextInt(500_000), chain.now() + 1 + rnd.nextInt(600));
                                escrows.add(id);
                            }
                            default -> {
                                // A slash of someone holding stake (when anyone does), with both referees or one.
                                int o = b;
                                for (int k = 0; k < PEOPLE; k++) {
                                    int c = (b + k) % PEOPLE;
                                    if (c != a && base.staked(who[c].getAddress()) + base.unbonding(who[c].getAddress()) > 0) {
                                        o = c;
                                        break;
                                    }
                                }
                                String offender = who[o].getAddress();
                                long amount = 1 + rnd.nextInt(3_000_000);
                                byte[] evidence = Id.sha256(new byte[] {(byte) seed, (byte) step, 2}).bytes();
                                List<byte[]> verdicts = new ArrayList<>();
                                verdicts.add(base.as(refs[0]).signVerdict(offender, amount, who[a].getAddress(), evidence));
                                if (rnd.nextBoolean()) {
                                    verdicts.add(base.as(refs[1]).signVerdict(offender, amount, who[a].getAddress(), evidence));
                                }
                                me.slash(offender, amount, who[a].getAddress(), evidence, verdicts);
                            }
                        }
                        applied++;
                        if (before.burntWei().compareTo(base.burntWei()) != 0) {
                            slashes++;
                        }
                    } catch (LedgerException e) {
                        assertTrue(e.reason() != Reason.UNAVAILABLE, where + ": " + e.getMessage());
                        refused++;
                        Books after = books(base, who, channels, escrows);
                        assertEquals(before, after, where + ": a refused transaction changed something (" + e.getMessage() + ")");
                    }
                    check(base, who, channels, escrows, where);
                }
            }
            assertTrue(applied > 60 && refused > 20 && slashes > 0, applied + " applied (" + slashes + " slashes), " + refused
                    + " refused");
        }
    }

    private static Credentials find(Credentials[] who, String address) {
        for (Credentials c : who) {
            if (c.getAddress().equalsIgnoreCase(address)) {
                return c;
            }
        }
        throw new IllegalArgumentException(address);
    }

    private static Books books(EvmLedger l, Credentials[] who, List<byte[]> channels, List<byte[]> escrows) throws LedgerException {
        List<Long> staked = new ArrayList<>();
        List<Long> unbonding = new ArrayList<>();
        List<BigInteger> balances = new ArrayList<>();
        for (Credentials c : who) {
            staked.add(l.staked(c.getAddress()));
            unbonding.add(l.unbonding(c.getAddress()));
            balances.add(l.balanceWei(c.getAddress()));
        }
        List<EvmLedger.Channel> ch = new ArrayList<>();
        for (byte[] id : channels) {
            ch.add(l.channel(id).orElseThrow());
        }
        List<EvmLedger.Escrow> es = new ArrayList<>();
        for (byte[] id : escrows) {
            es.add(l.escrow(id).orElseThrow());
        }
        return new Books(l.balanceWei(l.contract()), staked, unbonding, ch, es, l.burntWei(), balances);
    }

    /** The contract's ether is exactly its books: nothing created, nothing lost, nothing stuck. */
    private static void check(EvmLedger l, Credentials[] who, List<byte[]> channels, List<byte[]> escrows, String where)
            throws LedgerException {
        Books b = books(l, who, channels, escrows);
        long units = 0;
        for (int i = 0; i < who.length; i++) {
            units += b.staked().get(i) + b.unbonding().get(i);
        }
        for (EvmLedger.Channel c : b.channels()) {
            units += c.open() ? c.remaining() : 0;
            assertTrue(c.claimed() <= c.deposit(), where);
        }
        for (EvmLedger.Escrow e : b.escrows()) {
            units += e.open() ? e.amount() : 0;
        }
        assertEquals(EvmUnits.wei(units).add(b.burntWei()), b.contractWei(), where + ": the contract's ether is not its books");
    }
}
