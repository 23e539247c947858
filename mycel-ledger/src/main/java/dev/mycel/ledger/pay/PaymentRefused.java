package dev.mycel.ledger.pay;

/**
 * Why a server will not serve a step on credit any more, or will not take a voucher: said to the
 * client in words it can act on (pay more, open a bigger channel, top it up).
 */
public final class PaymentRefused extends Exception {
    /** What went wrong, for the client's code. */
    public enum Kind { PAYMENT_REQUIRED, BAD_VOUCHER, STALE_VOUCHER, CHANNEL_EXHAUSTED, CHANNEL_UNUSABLE }

    private final Kind kind;

    public PaymentRefused(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
