package dev.mycel.ledger;

/**
 * A transaction or request the ledger refused, with why. A refused transaction changes
 * nothing: not a balance, not the signer's nonce.
 */
public final class LedgerException extends Exception {
    /** Why, in a form scripts can act on. */
    public enum Reason {
        MALFORMED, WRONG_CHAIN, BAD_SIGNATURE, BAD_NONCE, INSUFFICIENT_FUNDS, OVERFLOW, UNKNOWN, NOT_ALLOWED, EXPIRED,
        NOT_YET, STALE_VOUCHER, UNAVAILABLE
    }

    private final Reason reason;

    public LedgerException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public LedgerException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
