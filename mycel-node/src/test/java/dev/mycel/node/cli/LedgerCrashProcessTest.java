package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.ledger.Head;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainVerifier;
import dev.mycel.ledger.remote.RemoteLedger;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger-hosting node as a real process, SIGKILLed ten times while senders in this JVM keep
 * hundreds of transfers in flight over mycel-net: after each restart every transaction that was
 * acknowledged is in the chain with the same place and hash, the chain replays to the host's
 * head and state with the supply intact, and at the end {@code mycel ledger verify} passes from
 * another node's process.
 */
@Timeout(300)
class LedgerCrashProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAIN = "mycel-crash";
    private static final int SENDERS = 6;
    private static final long FUNDS = 1_000_000;

    @TempDir
    Path dir;

    private final NodeProcesses procs = new NodeProcesses();
    /** The first refusal a sender met in a round: after a kill, the host's absence; before one, a bug to show. */
    private static final java.util.concurrent.atomic.AtomicReference<Throwable> FIRST_FAILURE =
            new java.util.concurrent.atomic.AtomicReference<>();

    @AfterEach
    void tearDown() {
        procs.close();
    }

    private static byte[] seed(int v) {
        byte[] b = new byte[32];
        b[0] = (byte) v;
        b[1] = 77;
        return b;
    }

    @Test
    void everyAcknowledgedTransferSurvivesTenSigkills() throws Exception {
        Path data = dir.resolve("host");
        Files.createDirectories(data);
        // The host's key is made here so this test can mint as the faucet (the host's own key).
        NodeIdentity host = NodeIdentity.fromSeed(seed(1));
        host.saveTo(data);
        int port = NodeProcesses.freePort();
        Path config = dir.resolve("host.toml");
        Files.writeString(config, """
                log_level = "warn"
                [network]
                listen = "127.0.0.1:%d"
                [ledger]
                host = true
                faucet = true
                chain = "%s"
                """.formatted(port, CHAIN));
        NodeIdentity[] senders = new NodeIdentity[SENDERS];
        for (int i = 0; i < SENDERS; i++) {
            senders[i] = NodeIdentity.fromSeed(seed(10 + i));
        }
        Map<Id, Receipt> acknowledged = new ConcurrentHashMap<>();
        long hostNonce = 0;
        int totalAcked = 0;
        for (int round = 0; round < 10; round++) {
            Process node = procs.startNode(config, data);
            procs.awaitStarted(node, data, Duration.ofSeconds(60));
            try (PeerChannels channels = new PeerChannels(new TlsContexts(NodeIdentity.fromSeed(seed(99))), NetLimits.defaults(), 4)) {
                RemoteLedger ledger = RemoteLedger.connect(channels.channel(host.peerId(), "127.0.0.1", port), Duration.ofSeconds(20),
                        null);
                LedgerRules rules = ledger.rules();
                assertEquals(host.peerId(), rules.mintAuthority());
                // Everything acknowledged before any kill so far is still there, in the same place.
                assertAllPresent(ledger, acknowledged, "round " + round);
                Head head = ledger.head();
                ChainVerifier.Result replay = ChainVerifier.verify(rules, ledger, head, 2_000, s -> { });
                assertTrue(replay.matchesHost(), "round " + round + ": " + replay.problem());
                assertEquals(round == 0 ? 0 : SENDERS * FUNDS, replay.supply());
                assertEquals(replay.supply(), replay.holdings());
                if (round == 0) {
                    for (int i = 0; i < SENDERS; i++) {
                        ledger.submit(SignedTransaction.sign(CHAIN, host, hostNonce++, new Operation.Mint(senders[i].peerId(), FUNDS)))
                                .get(20, TimeUnit.SECONDS);
                    }
                }
                // Senders pipeline transfers (up to 64 in flight each) until the host dies under them.
                AtomicInteger acked = new AtomicInteger();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < SENDERS; i++) {
                    int me = i;
                    // Each sender is a node of its own, on its own connection (the host limits calls per peer).
                    threads.add(Thread.ofPlatform().start(() -> {
                        try (PeerChannels own = new PeerChannels(new TlsContexts(senders[me]), NetLimits.defaults(), 2)) {
                            send(RemoteLedger.connect(own.channel(host.peerId(), "127.0.0.1", port), Duration.ofSeconds(20), null),
                                    senders, me, acknowledged, acked);
                        } catch (LedgerException e) {
                            FIRST_FAILURE.compareAndSet(null, e);
                        }
                    }));
                }
                // Kill once a few hundred were acknowledged this round, with more in flight.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (acked.get() < 150 + 40 * round && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                node.destroyForcibly();
                assertTrue(node.waitFor(20, TimeUnit.SECONDS));
                assertEquals(137, node.exitValue(), "SIGKILL: nothing ran on the way out");
                for (Thread t : threads) {
                    t.join(60_000);
                }
                assertTrue(acked.get() >= 150, "round " + round + ": only " + acked.get() + " acknowledged; first failure: "
                        + FIRST_FAILURE.get());
                FIRST_FAILURE.set(null);
                totalAcked += acked.get();
            }
        }
        assertTrue(totalAcked >= 3_000, "acknowledged " + totalAcked);
        // A last restart; then another node's process verifies the whole chain.
        Process node = procs.startNode(config, data);
        procs.awaitStarted(node, data, Duration.ofSeconds(60));
        try (PeerChannels channels = new PeerChannels(new TlsContexts(NodeIdentity.fromSeed(seed(98))), NetLimits.defaults(), 4)) {
            RemoteLedger ledger = RemoteLedger.connect(channels.channel(host.peerId(), "127.0.0.1", port), Duration.ofSeconds(20), null);
            assertAllPresent(ledger, acknowledged, "after the last restart");
        }
        Path other = dir.resolve("other");
        Cli.Result verify = Cli.fork(List.of("-XX:TieredStopAtLevel=1"), "ledger", "verify", "--data", other.toString(), "--ledger",
                host.peerId() + "@127.0.0.1:" + port, "--json");
        assertEquals(0, verify.exitCode(), verify.err() + procs.logs());
        JsonNode result = JSON.readTree(verify.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(result.path("ok").asBoolean(), verify.out());
        assertTrue(result.path("entries").asLong() >= totalAcked + SENDERS, verify.out());
        assertEquals(SENDERS * FUNDS, result.path("supply").asLong());
    }

    /**
     * Every acknowledged transaction is in the chain at the place, hash and time its receipt
     * gave: the whole chain fetched page by page (one call a receipt would run into the host's
     * per-peer rate limit), and a sample through the receipt call itself.
     */
    private static void assertAllPresent(RemoteLedger ledger, Map<Id, Receipt> acknowledged, String when) throws Exception {
        Map<Id, Receipt> inChain = new java.util.HashMap<>();
        long from = 1;
        while (true) {
            List<dev.mycel.ledger.chain.ChainEntry> page = ledger.entries(from, 2_000);
            for (dev.mycel.ledger.chain.ChainEntry e : page) {
                Id id = dev.mycel.ledger.tx.TransactionCodec.decode(e.transaction()).id();
                inChain.put(id, new Receipt(e.seq(), id, e.hash(), e.time()));
            }
            if (page.isEmpty()) {
                break;
            }
            from = page.getLast().seq() + 1;
        }
        for (Map.Entry<Id, Receipt> e : acknowledged.entrySet()) {
            assertEquals(e.getValue(), inChain.get(e.getKey()), when + ": acknowledged " + e.getKey());
        }
        acknowledged.values().stream().limit(20).forEach(r -> {
            try {
                assertEquals(r, ledger.receipt(r.transaction()).orElse(null), when);
            } catch (LedgerException e) {
                throw new AssertionError(when + ": " + e.getMessage(), e);
            }
        });
    }

    /** Transfers from sender {@code me} to the next one, 64 in flight, until the host stops answering. */
    private static void send(RemoteLedger ledger, NodeIdentity[] senders, int me, Map<Id, Receipt> acknowledged, AtomicInteger acked) {
        long nonce;
        try {
            nonce = ledger.account(senders[me].peerId()).nonce();
        } catch (LedgerException e) {
            return;
        }
        Semaphore window = new Semaphore(64);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        List<CompletableFuture<Receipt>> pending = new ArrayList<>();
        while (!failed.get()) {
            try {
                if (!window.tryAcquire(5, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                return;
            }
            SignedTransaction tx = SignedTransaction.sign(CHAIN, senders[me], nonce++,
                    new Operation.Transfer(senders[(me + 1) % senders.length].peerId(), 1 + nonce % 7));
            CompletableFuture<Receipt> f = ledger.submit(tx).whenComplete((r, t) -> {
                if (t == null) {
                    acknowledged.put(tx.id(), r);
                    acked.incrementAndGet();
                } else {
                    if (!failed.getAndSet(true)) {
                        FIRST_FAILURE.compareAndSet(null, t);
                    }
                }
                window.release();
            });
            pending.add(f);
        }
        for (CompletableFuture<Receipt> f : pending) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // The host died with it in flight: it may or may not have been committed; only acknowledged ones are checked.
            }
        }
    }
}
