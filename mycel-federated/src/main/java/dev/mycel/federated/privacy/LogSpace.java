package dev.mycel.federated.privacy;

import org.apache.commons.math3.special.Erf;

/**
 * Arithmetic on numbers kept as their natural logarithms, which the accountants need: the terms
 * of the sampled Gaussian's Rényi divergence span hundreds of orders of magnitude. Zero is
 * {@code -∞}. StrictMath throughout, so that an ε is the same number on every machine.
 */
final class LogSpace {
    private LogSpace() {
    }

    /** log(e^x + e^y). */
    static double add(double x, double y) {
        double a = Math.min(x, y);
        double b = Math.max(x, y);
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        return StrictMath.log1p(StrictMath.exp(a - b)) + b;
    }

    /** log(e^x − e^y) for x ≥ y. */
    static double subtract(double x, double y) {
        if (x < y) {
            throw new ArithmeticException("log-space subtraction would be negative: " + x + " < " + y);
        }
        if (y == Double.NEGATIVE_INFINITY) {
            return x;
        }
        if (x == y) {
            return Double.NEGATIVE_INFINITY;
        }
        double d = StrictMath.expm1(x - y);
        return d == Double.POSITIVE_INFINITY ? x : StrictMath.log(d) + y;
    }

    /**
     * log(erfc(x)), accurate far into the right tail: where erfc underflows (x beyond about 26)
     * the asymptotic series of Abramowitz and Stegun 7.1.23 takes over.
     */
    static double logErfc(double x) {
        if (x < 25) {
            return StrictMath.log(Erf.erfc(x));
        }
        double x2 = x * x;
        // erfc(x) = e^{-x²} / (x √π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + ...)
        double series = 1 - 1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2);
        return -x2 - StrictMath.log(x) - 0.5 * StrictMath.log(Math.PI) + StrictMath.log(series);
    }
}
