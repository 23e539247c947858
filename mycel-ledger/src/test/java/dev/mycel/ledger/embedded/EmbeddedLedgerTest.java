package dev.mycel.ledger.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.Head;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.chain.Replay;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.identity.NodeIdentity;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded ledger on a real SQLite file: concurrent submitters each get a receipt only for
 * a durable transaction, a reopened ledger replays to the same head and balances, refusals
 * change nothing, and a file edited behind its back, made for other rules or already hosted is
 * refused with a message that says so.
 */
class EmbeddedLedgerTest {
    private static final NodeIdentity MINT = NodeIdentity.fromSeed(seed(1));
    private static final LedgerRules RULES = new LedgerRules("mycel-test", MINT.peerId(), 1_000, List.of(), 0, 0, null);

    private static byte[] seed(int v) {
        byte[] b = new byte[32];
        b[0] = (byte) v;
        return b;
    }

    @TempDir
    Path dir;

    @Test
    void concurrentTransfersAreDurableAndReplayToTheSameHead() throws Exception {
        Path file = dir.resolve("ledger.db");
        AtomicLong clock = new AtomicLong(1_000);
        int senders = 4;
        int each = 300;
        NodeIdentity[] who = new NodeIdentity[senders];
        Head head;
        long[] balances = new long[senders];
        try (EmbeddedLedger ledger = EmbeddedLedger.open(file, RULES, clock::get)) {
            for (int i = 0; i < senders; i++) {
                who[i] = NodeIdentity.fromSeed(seed(10 + i));
                ledger.submit(SignedTransaction.sign("mycel-test", MINT, i, new Operation.Mint(who[i].peerId(), 10_000))).get();
            }
            List<CompletableFuture<Receipt>> all = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                int me = i;
                List<CompletableFuture<Receipt>> mine = new ArrayList<>();
                all.addAll(java.util.Collections.nCopies(0, null));
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < each; n++) {
                        // Each sender pays the next one 1 + n % 5: the order between senders is the writer's.
                        mine.add(ledger.submit(SignedTransaction.sign("mycel-test", who[me], n,
                                new Operation.Transfer(who[(me + 1) % senders].peerId(), 1 + n % 5))));
                    }
                    synchronized (all) {
                        all.addAll(mine);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            long maxSeq = 0;
            java.util.Set<Long> seqs = new java.util.HashSet<>();
            for (CompletableFuture<Receipt> f : all) {
                Receipt r = f.get();
                assertTrue(seqs.add(r.seq()));
                maxSeq = Math.max(maxSeq, r.seq());
                assertEquals(r, ledger.receipt(r.transaction()).orElseThrow());
            }
            assertEquals(senders + senders * each, maxSeq);
            head = ledger.head();
            assertEquals(maxSeq, head.seq());
            for (int i = 0; i < senders; i++) {
                balances[i] = ledger.account(who[i].peerId()).balance();
                assertEquals(each, ledger.account(who[i].peerId()).nonce());
            }
            // Each sends sum(1 + n % 5) and receives the same from the one before: balances unchanged.
            assertEquals(10_000, balances[0]);
            List<HistoryEntry> history = ledger.history(who[0].peerId(), 5);
            assertEquals(5, history.size());
            assertTrue(history.get(0).seq() > history.get(4).seq());
            long[] supply = ledger.supplyAndHoldings();
            assertEquals(supply[0], supply[1]);
        }
        // Reopened: the chain replays to the same head, digest and balances.
        try (EmbeddedLedger again = EmbeddedLedger.open(file, RULES, clock::get)) {
            assertEquals(head, again.head());
            for (int i = 0; i < senders; i++) {
                assertEquals(balances[i], again.account(who[i].peerId()).balance());
            }
            // Anyone replaying the fetched entries reaches the same head.
            Replay replay = new Replay(RULES);
            for (ChainEntry e : again.entries(1, 10_000)) {
                replay.add(e);
            }
            assertEquals(head.hash(), replay.head());
            assertEquals(head.stateDigest(), replay.state().digest());
        }
    }

    @Test
    void refusalsChangeNothingAndSayWhy() throws Exception {
        AtomicLong clock = new AtomicLong(5_000);
        NodeIdentity alice = NodeIdentity.fromSeed(seed(20));
        try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("l.db"), RULES, clock::get)) {
            ledger.submit(SignedTransaction.sign("mycel-test", MINT, 0, new Operation.Mint(alice.peerId(), 50))).get();
            Head before = ledger.head();
            assertRefused(Reason.WRONG_CHAIN, ledger.submit(SignedTransaction.sign("other-chain", alice, 0,
                    new Operation.Transfer(MINT.peerId(), 1))));
            assertRefused(Reason.INSUFFICIENT_FUNDS, ledger.submit(SignedTransaction.sign("mycel-test", alice, 0,
                    new Operation.Transfer(MINT.peerId(), 51))));
            assertRefused(Reason.BAD_NONCE, ledger.submit(SignedTransaction.sign("mycel-test", MINT, 0,
                    new Operation.Mint(alice.peerId(), 50))));
            assertRefused(Reason.NOT_ALLOWED, ledger.submit(SignedTransaction.sign("mycel-test", alice, 0,
                    new Operation.Mint(alice.peerId(), 50))));
            assertRefused(Reason.MALFORMED, ledger.submit(new byte[] {1, 2, 3}));
            assertEquals(before, ledger.head());
            assertEquals(50, ledger.account(alice.peerId()).balance());
            assertEquals(0, ledger.account(alice.peerId()).nonce());
        }
    }

    @Test
    void transactionsThatOvertookEachOtherWaitForTheirPredecessors() throws Exception {
        AtomicLong clock = new AtomicLong(5_000);
        NodeIdentity carol = NodeIdentity.fromSeed(seed(21));
        CompletableFuture<Receipt> gap;
        try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("o.db"), RULES, clock::get)) {
            ledger.submit(SignedTransaction.sign("mycel-test", MINT, 0, new Operation.Mint(carol.peerId(), 50))).get();
            // Nonces 2, 1, 0 arrive in that order (pipelined calls overtaking each other): all commit, in nonce order.
            List<CompletableFuture<Receipt>> late = new ArrayList<>();
            for (int n = 2; n >= 0; n--) {
                late.add(ledger.submit(SignedTransaction.sign("mycel-test", carol, n, new Operation.Transfer(MINT.peerId(), 1 + n))));
            }
            long s0 = late.get(2).get().seq();
            assertEquals(s0 + 1, late.get(1).get().seq());
            assertEquals(s0 + 2, late.get(0).get().seq());
            assertEquals(44, ledger.account(carol.peerId()).balance());
            // Too far ahead is refused at once; a gap never filled is refused (here when the ledger closes).
            assertRefused(Reason.BAD_NONCE, ledger.submit(SignedTransaction.sign("mycel-test", carol, 3 + EmbeddedLedger.MAX_AHEAD + 1,
                    new Operation.Transfer(MINT.peerId(), 1))));
            gap = ledger.submit(SignedTransaction.sign("mycel-test", carol, 5, new Operation.Transfer(MINT.peerId(), 1)));
            Thread.sleep(100);
            assertTrue(!gap.isDone());
        }
        assertRefused(Reason.BAD_NONCE, gap);
    }

    private static void assertRefused(Reason reason, CompletableFuture<Receipt> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        LedgerException cause = (LedgerException) e.getCause();
        assertEquals(reason, cause.reason(), cause.getMessage());
    }

    @Test
    void aTamperedFileAnotherRulesFileAndASecondHostAreRefused() throws Exception {
        Path file = dir.resolve("t.db");
        AtomicLong clock = new AtomicLong(1);
        NodeIdentity bob = NodeIdentity.fromSeed(seed(30));
        try (EmbeddedLedger ledger = EmbeddedLedger.open(file, RULES, clock::get)) {
            for (int i = 0; i < 3; i++) {
                ledger.submit(SignedTransaction.sign("mycel-test", MINT, i, new Operation.Mint(bob.peerId(), 100))).get();
            }
            LedgerException twice = assertThrows(LedgerException.class, () -> EmbeddedLedger.open(file, RULES, clock::get));
            assertTrue(twice.getMessage().contains("already hosted"), twice.getMessage());
        }
        LedgerRules other = new LedgerRules("another-chain", MINT.peerId(), 1_000, List.of(), 0, 0, null);
        LedgerException wrongRules = assertThrows(LedgerException.class, () -> EmbeddedLedger.open(file, other, clock::get));
        assertTrue(wrongRules.getMessage().contains("other rules"), wrongRules.getMessage());
        // Raise the second mint's amount in the file, as someone with the file (not the keys) might.
        SignedTransaction second = SignedTransaction.sign("mycel-test", MINT, 1, new Operation.Mint(bob.peerId(), 100));
        byte[] forged = SignedTransaction.sign("mycel-test", MINT, 1, new Operation.Mint(bob.peerId(), 100_000)).encode();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.PreparedStatement p = db.prepareStatement("UPDATE entries SET tx = ? WHERE seq = 2")) {
            p.setBytes(1, forged);
            assertEquals(1, p.executeUpdate());
        }
        LedgerException tampered = assertThrows(LedgerException.class, () -> EmbeddedLedger.open(file, RULES, clock::get));
        assertEquals(Reason.MALFORMED, tampered.reason());
        assertTrue(tampered.getMessage().contains("entry 2"), tampered.getMessage());
        assertTrue(second.id() != null);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = db.createStatement()) {
            s.execute("DELETE FROM entries WHERE seq = 2");
        }
        LedgerException gap = assertThrows(LedgerException.class, () -> EmbeddedLedger.open(file, RULES, clock::get));
        assertTrue(gap.getMessage().contains("expected entry 2"), gap.getMessage());
    }
}
