package dev.mycel.ledger.evm;

import java.math.BigInteger;

/**
 * The EVM backend's amounts: the ledger's smallest unit is one gwei (10^9 wei), so amounts stay
 * Java longs (up to about 9.2 billion ether) as on the embedded ledger, and become wei only at
 * the contract's edge. Nothing is a float.
 */
public final class EvmUnits {
    public static final BigInteger WEI_PER_UNIT = BigInteger.TEN.pow(9);

    private EvmUnits() {
    }

    public static BigInteger wei(long units) {
        if (units < 0) {
            throw new IllegalArgumentException("an amount cannot be negative: " + units);
        }
        return BigInteger.valueOf(units).multiply(WEI_PER_UNIT);
    }

    /** Wei as whole units (what is below a gwei is dropped), refusing what does not fit a long. */
    public static long units(BigInteger wei) {
        BigInteger u = wei.divide(WEI_PER_UNIT);
        if (u.bitLength() > 63) {
            throw new ArithmeticException(wei + " wei does not fit the ledger's amounts");
        }
        return u.longValueExact();
    }
}
