package dev.mycel.ledger.pay;

import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.wallet.Voucher;
import dev.mycel.ledger.wallet.Wallet;

/**
 * A server's account of one client's channel: the tokens it served on it, what the client's
 * latest voucher covers, and whether the next step may be served. A step is served while what
 * the session owes after it exceeds the latest voucher by no more than the credit limit; a
 * voucher is taken when it is the payer's, for the channel, newer and for more than the last,
 * and within the deposit (checked here, per request, without the ledger).
 *
 * <p>Pure bookkeeping with no clock or I/O of its own; not thread-safe (one per session).
 */
public final class PaidChannel {
    private final ChannelView channel;
    private final Price price;
    private final long creditLimit;
    private long tokens;
    private Voucher latest;

    /** {@code channel} as the ledger showed it when the session began; {@code latest} a voucher kept from before (or null). */
    public PaidChannel(ChannelView channel, Price price, long creditLimit, Voucher latest) {
        if (creditLimit < 0) {
            throw new IllegalArgumentException("a credit limit cannot be negative: " + creditLimit);
        }
        this.channel = channel;
        this.price = price;
        this.creditLimit = creditLimit;
        this.latest = latest;
    }

    public ChannelView channel() {
        return channel;
    }

    public long tokens() {
        return tokens;
    }

    /** What the session owes for the tokens served so far. */
    public long owed() {
        return price.owed(tokens);
    }

    /** What the latest voucher covers (0 before any). */
    public long covered() {
        return latest == null ? 0 : latest.cumulative();
    }

    public Voucher latest() {
        return latest;
    }

    /**
     * Takes a voucher from the client, checked by {@code wallet} (the payee's) against the
     * channel's payer, without the ledger. A refused voucher changes nothing.
     */
    public void accept(Voucher v, Wallet wallet) throws PaymentRefused {
        if (!v.channel().equals(channel.id())) {
            throw new PaymentRefused(PaymentRefused.Kind.BAD_VOUCHER, "the voucher is for channel " + v.channel() + ", not "
                    + channel.id());
        }
        if (latest != null && (v.cumulative() <= latest.cumulative() || v.nonce() <= latest.nonce())) {
            throw new PaymentRefused(PaymentRefused.Kind.STALE_VOUCHER, "a voucher for " + v.cumulative() + " (number " + v.nonce()
                    + ") is not newer than the one held, for " + latest.cumulative() + " (number " + latest.nonce() + ")");
        }
        if (v.cumulative() > channel.deposit()) {
            throw new PaymentRefused(PaymentRefused.Kind.CHANNEL_EXHAUSTED, "a voucher for " + v.cumulative()
                    + " is beyond the channel's deposit of " + channel.deposit() + ": top the channel up or open another");
        }
        if (!wallet.voucherValid(channel, v)) {
            throw new PaymentRefused(PaymentRefused.Kind.BAD_VOUCHER, "the voucher is not signed by the channel's payer "
                    + channel.payer());
        }
        latest = v;
    }

    /**
     * Whether {@code more} tokens may be served now: what would be owed after them exceeds the
     * latest voucher by at most the credit limit, and stays within the deposit. Counts them when
     * so; a refusal counts nothing and says what the client must pay first.
     */
    public void serve(long more) throws PaymentRefused {
        long after = price.owed(Math.addExact(tokens, more));
        if (after > channel.deposit()) {
            throw new PaymentRefused(PaymentRefused.Kind.CHANNEL_EXHAUSTED, "the session would owe " + after
                    + ", more than the channel's deposit of " + channel.deposit() + ": top the channel up or open another");
        }
        if (after - covered() > creditLimit) {
            throw new PaymentRefused(PaymentRefused.Kind.PAYMENT_REQUIRED, "the session owes " + owed() + " and the next "
                    + more + " tokens would take it to " + after + ", beyond the vouchers' " + covered() + " by more than the credit of "
                    + creditLimit + ": send a voucher for at least " + (after - creditLimit));
        }
        tokens += more;
    }
}
