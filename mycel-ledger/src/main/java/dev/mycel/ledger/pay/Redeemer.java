package dev.mycel.ledger.pay;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.wallet.Committed;
import dev.mycel.ledger.wallet.Wallet;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a server's kept vouchers into money, in batches: one claim redeems a channel's latest
 * voucher, which covers every request before it, so a server claims only when a channel's
 * unredeemed amount reaches {@code batch} or its expiry is within {@code margin} (after expiry
 * the payer takes the rest back). A claim the ledger refuses because it was already made (a
 * restart between claiming and recording it) is recorded from the ledger's own count. Time is
 * the ledger's ({@link Wallet#now}), the clock the expiries are kept in.
 */
public final class Redeemer {
    private final Wallet wallet;
    private final VoucherBook book;
    private final long batch;
    private final Duration margin;

    public Redeemer(Wallet wallet, VoucherBook book, long batch, Duration margin) {
        if (batch < 1) {
            throw new IllegalArgumentException("a batch is at least 1 unit, not " + batch);
        }
        this.wallet = wallet;
        this.book = book;
        this.batch = batch;
        this.margin = margin;
    }

    /** Claims what is due now; returns the claims made. */
    public List<Committed> redeemDue() throws LedgerException, IOException {
        return redeem(false);
    }

    /** Claims everything unredeemed (a server stopping, or asked to settle). */
    public List<Committed> redeemAll() throws LedgerException, IOException {
        return redeem(true);
    }

    private List<Committed> redeem(boolean all) throws LedgerException, IOException {
        List<Committed> done = new ArrayList<>();
        long now = wallet.now();
        for (VoucherBook.Kept k : book.all()) {
            if (k.unclaimed() <= 0) {
                continue;
            }
            Optional<ChannelView> c = wallet.channel(k.voucher().channel());
            if (c.isEmpty() || !c.get().open() || now >= c.get().expiresAt()) {
                // Closed or expired: nothing more can be redeemed on it.
                book.forget(k.voucher().channel());
                continue;
            }
            if (c.get().claimed() >= k.voucher().cumulative()) {
                book.claimed(k.voucher().channel(), c.get().claimed());
                continue;
            }
            boolean due = all || k.voucher().cumulative() - c.get().claimed() >= batch
                    || c.get().expiresAt() - now <= margin.toMillis();
            if (due) {
                done.add(wallet.claim(k.voucher()));
                book.claimed(k.voucher().channel(), k.voucher().cumulative());
            }
        }
        return done;
    }
}
