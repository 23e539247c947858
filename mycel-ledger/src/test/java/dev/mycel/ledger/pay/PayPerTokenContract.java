package dev.mycel.ledger.pay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.wallet.Committed;
import dev.mycel.ledger.wallet.Voucher;
import dev.mycel.ledger.wallet.Wallet;
import dev.mycel.net.identity.NodeIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paying per token, the server's side, on a real ledger (each backend runs these same tests:
 * {@code EmbeddedPayPerTokenTest}, {@code EvmPayPerTokenTest}): the client pays ahead with
 * growing vouchers, the server serves within its credit, keeps each voucher on disk and redeems
 * in a few batched claims; the payee receives exactly the price of the tokens served; a client
 * that stops paying is cut off with what to pay; replayed, forged and inflated vouchers are
 * refused; a server restarted between serving and redeeming loses no voucher.
 */
abstract class PayPerTokenContract {
    protected static final NodeIdentity CLIENT = id(2);
    protected static final NodeIdentity SERVER = id(3);

    protected static NodeIdentity id(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        seed[2] = 7;
        return NodeIdentity.fromSeed(seed);
    }

    @TempDir
    Path dir;

    protected Wallet client;
    protected Wallet server;

    /** The client's and the server's wallets on a fresh ledger, the client holding 100,000 units. */
    protected abstract Wallet[] wallets() throws Exception;

    /** Moves the ledger's clock on. */
    protected abstract void advance(Duration d) throws Exception;

    @BeforeEach
    void open() throws Exception {
        Wallet[] w = wallets();
        client = w[0];
        server = w[1];
    }

    @Test
    void priceRoundsUpOnceOverTheWholeSession() {
        Price p = new Price(300);
        assertEquals(0, p.owed(0));
        assertEquals(1, p.owed(1));
        assertEquals(3, p.owed(10));
        assertEquals(300, p.owed(1000));
        assertEquals(301, p.owed(1001));
        assertEquals(0, Price.FREE.owed(1_000_000));
        assertThrows(ArithmeticException.class, () -> new Price(Long.MAX_VALUE / 2).owed(3));
        assertThrows(IllegalArgumentException.class, () -> new Price(-1));
    }

    @Test
    void aSessionPaysExactlyItsTokensInAFewBatchedClaims() throws Exception {
        Price price = new Price(300);
        Id ch = client.openChannel(SERVER.peerId(), 10_000, Duration.ofHours(1));
        ChannelView view = server.channel(ch).orElseThrow();
        VoucherBook book = VoucherBook.open(dir.resolve("vouchers"));
        PaidChannel account = new PaidChannel(view, price, 50, null);
        Redeemer redeemer = new Redeemer(server, book, 100, Duration.ofMinutes(5));
        List<Committed> claims = new ArrayList<>();
        long tokens = 0;
        long paid = 0;
        for (int step = 1; step <= 1_000; step++) {
            int n = 1 + step % 3;
            // The client pays ahead for the step it asks for (a voucher only when the amount grows);
            // the server checks and keeps the voucher, then serves.
            long due = price.owed(tokens + n);
            if (due > paid) {
                Voucher v = client.signVoucher(ch, step, due);
                account.accept(v, server);
                book.keep(v);
                paid = due;
            }
            account.serve(n);
            tokens += n;
            if (step % 100 == 0) {
                claims.addAll(redeemer.redeemDue());
            }
        }
        claims.addAll(redeemer.redeemAll());
        long owed = price.owed(tokens);
        assertEquals(owed, account.owed());
        assertEquals(owed, server.balance(SERVER.peerId()), "the payee got exactly the price of what it served");
        assertEquals(owed, server.channel(ch).orElseThrow().claimed());
        assertTrue(claims.size() <= owed / 100 + 1, claims.size() + " claims for " + owed);
        assertTrue(claims.size() >= 2);
        server.closeChannel(ch);
        assertEquals(100_000 - owed, client.balance(CLIENT.peerId()), "the client paid for what it was served, no more");
    }

    @Test
    void aClientThatStopsPayingIsCutOffAndBadVouchersAreRefused() throws Exception {
        Price price = new Price(1_000);
        Id ch = client.openChannel(SERVER.peerId(), 500, Duration.ofHours(1));
        PaidChannel account = new PaidChannel(server.channel(ch).orElseThrow(), price, 20, null);
        account.serve(20);
        PaymentRefused unpaid = assertThrows(PaymentRefused.class, () -> account.serve(1));
        assertEquals(PaymentRefused.Kind.PAYMENT_REQUIRED, unpaid.kind());
        assertTrue(unpaid.getMessage().contains("send a voucher for at least 1"), unpaid.getMessage());
        assertEquals(20, account.tokens(), "a refused step is not counted");

        Voucher v1 = client.signVoucher(ch, 1, 30);
        account.accept(v1, server);
        account.serve(30);
        assertEquals(PaymentRefused.Kind.STALE_VOUCHER, assertThrows(PaymentRefused.class, () -> account.accept(v1, server)).kind());
        Voucher forged = server.signVoucher(ch, 2, 200);
        assertEquals(PaymentRefused.Kind.BAD_VOUCHER, assertThrows(PaymentRefused.class, () -> account.accept(forged, server)).kind());
        Voucher inflated = new Voucher(ch, 2, 60, v1.signature());
        assertEquals(PaymentRefused.Kind.BAD_VOUCHER, assertThrows(PaymentRefused.class,
                () -> account.accept(inflated, server)).kind());
        Voucher tooMuch = client.signVoucher(ch, 2, 501);
        assertEquals(PaymentRefused.Kind.CHANNEL_EXHAUSTED, assertThrows(PaymentRefused.class,
                () -> account.accept(tooMuch, server)).kind());
        Voucher otherChannel = new Voucher(Id.sha256(new byte[] {1}), 2, 40, client.signVoucher(ch, 2, 40).signature());
        assertEquals(PaymentRefused.Kind.BAD_VOUCHER, assertThrows(PaymentRefused.class,
                () -> account.accept(otherChannel, server)).kind());
        assertEquals(30, account.covered(), "refused vouchers change nothing");
        account.accept(client.signVoucher(ch, 2, 500), server);
        account.serve(450);
        assertEquals(PaymentRefused.Kind.CHANNEL_EXHAUSTED, assertThrows(PaymentRefused.class, () -> account.serve(1)).kind(),
                "nothing beyond the deposit, even on credit");
    }

    @Test
    void aServerRestartedBetweenServingAndRedeemingLosesNoVoucher() throws Exception {
        Price price = new Price(500);
        Id ch = client.openChannel(SERVER.peerId(), 5_000, Duration.ofHours(1));
        Path vouchers = dir.resolve("vouchers");
        VoucherBook book = VoucherBook.open(vouchers);
        for (int step = 1; step <= 40; step++) {
            book.keep(client.signVoucher(ch, step, price.owed(step * 10L)));
        }
        // The server dies here; a new process opens the book.
        VoucherBook reopened = VoucherBook.open(vouchers);
        assertEquals(price.owed(400), reopened.get(ch).orElseThrow().voucher().cumulative());
        Files.writeString(vouchers.resolve(Id.sha256(new byte[] {9}) + ".voucher"), "garbage");
        VoucherBook withJunk = VoucherBook.open(vouchers);
        assertEquals(1, withJunk.problems().size(), withJunk.problems().toString());
        assertTrue(Files.exists(vouchers.resolve(Id.sha256(new byte[] {9}) + ".voucher.bad")));
        new Redeemer(server, withJunk, 1_000_000, Duration.ofMinutes(5)).redeemAll();
        assertEquals(price.owed(400), server.balance(SERVER.peerId()));
        // Redeeming again (a second restart before the record was written) claims nothing twice.
        VoucherBook again = VoucherBook.open(vouchers);
        assertEquals(0, again.get(ch).orElseThrow().unclaimed());
        assertTrue(new Redeemer(server, again, 1, Duration.ofMinutes(5)).redeemAll().isEmpty());
        assertEquals(price.owed(400), server.balance(SERVER.peerId()));
        // Close to expiry, a small amount is redeemed even under the batch size.
        book = VoucherBook.open(vouchers);
        book.keep(client.signVoucher(ch, 41, price.owed(410)));
        assertTrue(new Redeemer(server, book, 1_000_000, Duration.ofMinutes(5)).redeemDue().isEmpty());
        advance(Duration.ofMinutes(56));
        assertEquals(1, new Redeemer(server, book, 1_000_000, Duration.ofMinutes(5)).redeemDue().size());
        assertEquals(price.owed(410), server.balance(SERVER.peerId()));
    }
}
