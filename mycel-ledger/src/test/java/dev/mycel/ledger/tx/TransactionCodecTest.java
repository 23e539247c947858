package dev.mycel.ledger.tx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every operation survives its wire form bit for bit (same id, valid signature), and whatever
 * else arrives (truncated, oversized, stray bytes, unknown operations, amounts past 2^63) is a
 * clear {@link LedgerException}, never another exception. The Jazzer target replays its seeds
 * in normal builds (fuzz with JAZZER_FUZZ=1); the seeded test mutates real transactions in every build.
 */
class TransactionCodecTest {
    private static final NodeIdentity A = NodeIdentity.fromSeed(new byte[32]);
    private static final PeerId B = NodeIdentity.fromSeed(filled(7)).peerId();
    private static final Id SOME = Id.sha256(new byte[] {1, 2, 3});

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static List<Operation> everyOperation() {
        byte[] evidence = Id.sha256(new byte[] {9}).bytes();
        return List.of(new Operation.Transfer(B, 5), new Operation.Mint(B, Long.MAX_VALUE),
                new Operation.EscrowCreate(B, 3, 1_000, null), new Operation.EscrowCreate(B, 3, 1_000, A.peerId()),
                new Operation.EscrowRelease(SOME), new Operation.EscrowRefund(SOME), new Operation.Stake(1),
                new Operation.Unstake(2), new Operation.Withdraw(),
                new Operation.Slash(B, 10, A.peerId(), evidence, List.of(Terms.signVerdict(A, "c", B, 10, A.peerId(), evidence))),
                new Operation.ChannelOpen(B, 100, 5_000), new Operation.ChannelTopUp(SOME, 0, 6_000),
                new Operation.ChannelClaim(SOME, 40, Terms.signVoucher(A, "c", SOME, 40)), new Operation.ChannelClose(SOME),
                new Operation.ChannelRefund(SOME));
    }

    @Test
    void everyOperationRoundTripsWithItsIdAndSignature() throws Exception {
        for (Operation op : everyOperation()) {
            SignedTransaction tx = SignedTransaction.sign("mycel-devnet", A, 17, op);
            byte[] wire = tx.encode();
            SignedTransaction back = TransactionCodec.decode(wire);
            assertArrayEquals(wire, back.encode(), op.toString());
            assertEquals(tx.id(), back.id());
            assertTrue(back.signatureValid(), op.toString());
            assertEquals(17, back.nonce());
            assertEquals(op.getClass(), back.operation().getClass());
        }
    }

    @Test
    void malformedTransactionsAreRefusedWithAClearReason() {
        byte[] wire = SignedTransaction.sign("mycel-devnet", A, 0, new Operation.Transfer(B, 5)).encode();
        // Truncated anywhere.
        for (int cut = 0; cut < wire.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(wire, cut);
            LedgerException e = assertThrows(LedgerException.class, () -> TransactionCodec.decode(shorter));
            assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
        }
        // Oversized.
        LedgerException big = assertThrows(LedgerException.class,
                () -> TransactionCodec.decode(new byte[TransactionCodec.MAX_BYTES + 1]));
        assertTrue(big.getMessage().contains("limit"), big.getMessage());
        // Stray bytes between the operation and the signature.
        byte[] body = SignedTransaction.sign("mycel-devnet", A, 0, new Operation.Transfer(B, 5)).body();
        byte[] stray = new byte[body.length + 3 + 64];
        System.arraycopy(body, 0, stray, 0, body.length);
        LedgerException extra = assertThrows(LedgerException.class, () -> TransactionCodec.decode(stray));
        assertTrue(extra.getMessage().contains("stray"), extra.getMessage());
        // An amount of 2^63 or more cannot be expressed: refused as an overflow, not wrapped negative.
        byte[] huge = wire.clone();
        huge[wire.length - 64 - 1] = (byte) 0x80;
        LedgerException overflow = assertThrows(LedgerException.class, () -> TransactionCodec.decode(huge));
        assertEquals(Reason.OVERFLOW, overflow.reason());
        // An operation nobody defined.
        byte[] unknown = wire.clone();
        unknown[wire.length - 64 - 8 - 36 - 1] = 99;
        LedgerException op = assertThrows(LedgerException.class, () -> TransactionCodec.decode(unknown));
        assertTrue(op.getMessage().contains("unknown operation 99"), op.getMessage());
    }

    @Test
    void randomlyMutatedTransactionsDecodeOrAreRefusedCleanly() {
        SplittableRandom rnd = new SplittableRandom(20261207);
        List<Operation> ops = everyOperation();
        for (int i = 0; i < 20_000; i++) {
            byte[] wire = SignedTransaction.sign("mycel-devnet", A, i, ops.get(i % ops.size())).encode();
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) {
                wire[rnd.nextInt(wire.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(4) == 0) {
                wire = java.util.Arrays.copyOf(wire, rnd.nextInt(wire.length + 40));
            }
            decodeCleanly(wire);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzDecode(byte[] data) {
        decodeCleanly(data);
    }

    private static void decodeCleanly(byte[] data) {
        try {
            SignedTransaction tx = TransactionCodec.decode(data);
            // Whatever decodes encodes again to a body of the same shape, and checking its signature cannot throw.
            tx.signatureValid();
            tx.id();
        } catch (LedgerException clean) {
            // refused with a reason
        }
    }
}
