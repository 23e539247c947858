package dev.mycel.ledger.pay;

/**
 * A server's price: {@code unitsPer1000Tokens} of the ledger's smallest unit per thousand
 * tokens served. What a session owes is computed from its whole token count each time, rounded
 * up once ({@link #owed}), so no rounding error builds up step by step. Zero is a free server.
 */
public record Price(long unitsPer1000Tokens) {
    public static final Price FREE = new Price(0);

    public Price {
        if (unitsPer1000Tokens < 0) {
            throw new IllegalArgumentException("a price cannot be negative: " + unitsPer1000Tokens);
        }
    }

    public boolean free() {
        return unitsPer1000Tokens == 0;
    }

    /** What {@code tokens} tokens cost in all: ⌈tokens × price / 1000⌉, refusing a count whose cost overflows. */
    public long owed(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("a token count cannot be negative: " + tokens);
        }
        long product = Math.multiplyExact(tokens, unitsPer1000Tokens);
        return product / 1000 + (product % 1000 == 0 ? 0 : 1);
    }
}
