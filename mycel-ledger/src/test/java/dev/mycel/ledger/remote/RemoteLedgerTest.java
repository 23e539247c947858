package dev.mycel.ledger.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.chain.ChainVerifier;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.Terms;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another node's ledger over mycel-net's mutual TLS on loopback: a payment channel's whole life
 * from the client's side, refusals arriving with the host's reason, and {@code ledger verify}'s
 * replay agreeing with an honest host and catching a host that serves an edited chain.
 */
class RemoteLedgerTest {
    private static final NodeIdentity HOST = NodeIdentity.fromSeed(seed(1));
    private static final NodeIdentity CLIENT = NodeIdentity.fromSeed(seed(2));
    private static final NodeIdentity SERVER = NodeIdentity.fromSeed(seed(3));
    private static final LedgerRules RULES = new LedgerRules("mycel-devnet", HOST.peerId(), 60_000, List.of(), 0, 0, null);

    private static byte[] seed(int v) {
        byte[] b = new byte[32];
        b[0] = (byte) v;
        return b;
    }

    @TempDir
    Path dir;

    @Test
    void aChannelsLifeOverTheNetworkAndAVerifiedChain() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("ledger.db"), RULES, clock::get);
             NetServer server = NetServer.start(HOST, new TlsContexts(HOST), new InetSocketAddress("127.0.0.1", 0),
                     NetLimits.defaults(), List.of(new LedgerGrpcService(ledger)), null);
             PeerChannels channels = new PeerChannels(new TlsContexts(CLIENT), NetLimits.defaults(), 4)) {
            RemoteLedger remote = RemoteLedger.connect(channels.channel(HOST.peerId(), "127.0.0.1", server.port()),
                    Duration.ofSeconds(10), RULES.genesis());
            assertEquals(RULES, remote.rules());
            // The faucet (the host's key) funds the client; the client opens a channel to a server.
            remote.submit(SignedTransaction.sign("mycel-devnet", HOST, 0, new Operation.Mint(CLIENT.peerId(), 1_000))).get();
            SignedTransaction open = SignedTransaction.sign("mycel-devnet", CLIENT, 0,
                    new Operation.ChannelOpen(SERVER.peerId(), 600, clock.get() + 30_000));
            Receipt opened = remote.submit(open).get();
            assertEquals(open.id(), opened.transaction());
            assertEquals(opened, remote.receipt(open.id()).orElseThrow());
            Id channel = open.id();
            // The server redeems the latest of several vouchers, then a replay of it is refused.
            byte[] voucher = Terms.signVoucher(CLIENT, "mycel-devnet", channel, 250);
            remote.submit(SignedTransaction.sign("mycel-devnet", SERVER, 0, new Operation.ChannelClaim(channel, 250, voucher))).get();
            ExecutionException replayed = assertThrows(ExecutionException.class, () -> remote.submit(SignedTransaction.sign(
                    "mycel-devnet", SERVER, 1, new Operation.ChannelClaim(channel, 250, voucher))).get());
            assertEquals(Reason.STALE_VOUCHER, ((LedgerException) replayed.getCause()).reason());
            // An inflated voucher (the server's own signature, not the payer's) is refused as such.
            ExecutionException forged = assertThrows(ExecutionException.class, () -> remote.submit(SignedTransaction.sign(
                    "mycel-devnet", SERVER, 1, new Operation.ChannelClaim(channel, 600,
                            Terms.signVoucher(SERVER, "mycel-devnet", channel, 600)))).get());
            assertEquals(Reason.BAD_SIGNATURE, ((LedgerException) forged.getCause()).reason());
            remote.submit(SignedTransaction.sign("mycel-devnet", SERVER, 1, new Operation.ChannelClose(channel))).get();
            ChannelView closed = remote.channel(channel).orElseThrow();
            assertFalse(closed.open());
            assertEquals(250, closed.claimed());
            assertEquals(250, remote.account(SERVER.peerId()).balance());
            assertEquals(750, remote.account(CLIENT.peerId()).balance());
            assertEquals(4, remote.history(CLIENT.peerId(), 10).size(), "mint, open, claim, close");
            assertTrue(remote.channel(Id.sha256(new byte[] {5})).isEmpty());

            // ledger verify from this node: the replayed chain matches the host's head and digest.
            ChainVerifier.Result ok = ChainVerifier.verify(remote.rules(), remote, remote.head(), 2, s -> { });
            assertTrue(ok.matchesHost(), ok.problem());
            assertEquals(4, ok.entries());
            assertEquals(1_000, ok.supply());

            // A host that serves an edited entry (the claim raised to 600) is caught at that entry.
            ChainVerifier.Result caught = ChainVerifier.verify(remote.rules(), (from, max) -> {
                List<ChainEntry> page = new ArrayList<>(remote.entries(from, max));
                for (int i = 0; i < page.size(); i++) {
                    ChainEntry e = page.get(i);
                    if (e.seq() == 3) {
                        byte[] edited = SignedTransaction.sign("mycel-devnet", SERVER, 0, new Operation.ChannelClaim(channel, 600,
                                voucher)).encode();
                        page.set(i, new ChainEntry(3, e.time(), edited, e.hash()));
                    }
                }
                return page;
            }, remote.head(), 100, s -> { });
            assertFalse(caught.matchesHost());
            assertTrue(caught.problem().startsWith("entry 3"), caught.problem());

            // Pointed at a ledger with another genesis, a node refuses to use it.
            LedgerException wrong = assertThrows(LedgerException.class, () -> RemoteLedger.connect(
                    channels.channel(HOST.peerId(), "127.0.0.1", server.port()), Duration.ofSeconds(10), Id.sha256(new byte[1])));
            assertEquals(Reason.WRONG_CHAIN, wrong.reason());
        }
    }

    @Test
    void aDevnetFaucetPaysTheCallerWithinItsCapAndOnlyWhereTheHostMints() throws Exception {
        AtomicLong clock = new AtomicLong(2_000_000);
        LedgerRules noFaucet = new LedgerRules("mycel-closed", null, 60_000, List.of(), 0, 0, null);
        try (EmbeddedLedger ledger = EmbeddedLedger.open(dir.resolve("f.db"), RULES, clock::get);
             EmbeddedLedger closed = EmbeddedLedger.open(dir.resolve("c.db"), noFaucet, clock::get);
             NetServer server = NetServer.start(HOST, new TlsContexts(HOST), new InetSocketAddress("127.0.0.1", 0),
                     NetLimits.defaults(), List.of(new LedgerGrpcService(ledger, HOST, 1_000)), null);
             NetServer closedServer = NetServer.start(HOST, new TlsContexts(HOST), new InetSocketAddress("127.0.0.1", 0),
                     NetLimits.defaults(), List.of(new LedgerGrpcService(closed, HOST, 1_000)), null);
             PeerChannels channels = new PeerChannels(new TlsContexts(CLIENT), NetLimits.defaults(), 4)) {
            RemoteLedger remote = RemoteLedger.connect(channels.channel(HOST.peerId(), "127.0.0.1", server.port()),
                    Duration.ofSeconds(10), null);
            // The caller is paid, as its TLS certificate proves who it is; twice is two mints.
            remote.faucet(600);
            remote.faucet(400);
            assertEquals(1_000, remote.account(CLIENT.peerId()).balance());
            assertEquals(2, remote.account(HOST.peerId()).nonce());
            LedgerException tooMuch = assertThrows(LedgerException.class, () -> remote.faucet(1_001));
            assertEquals(Reason.NOT_ALLOWED, tooMuch.reason());
            RemoteLedger other = RemoteLedger.connect(channels.channel(HOST.peerId(), "127.0.0.1", closedServer.port()),
                    Duration.ofSeconds(10), null);
            LedgerException none = assertThrows(LedgerException.class, () -> other.faucet(10));
            assertTrue(none.getMessage().contains("has no faucet"), none.getMessage());
        }
    }
}
