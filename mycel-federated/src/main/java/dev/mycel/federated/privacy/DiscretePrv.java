package dev.mycel.federated.privacy;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * A privacy loss distribution discretised on a grid: the probability of each grid cell. Composing
 * mechanisms adds their loss variables, so it convolves these mass functions: a run of n
 * identical steps by raising the discrete Fourier transform to the n-th power (a circular
 * convolution of the grid's length, whose wrap-around the grid's size makes negligible), and
 * different runs by linear convolution kept centred on the grid.
 */
final class DiscretePrv {
    private final double[] pmf;
    private final PrvDomain domain;

    DiscretePrv(double[] pmf, PrvDomain domain) {
        if (pmf.length != domain.size()) {
            throw new IllegalArgumentException("mass function and grid differ in length: " + pmf.length + " and " + domain.size());
        }
        this.pmf = pmf;
        this.domain = domain;
    }

    PrvDomain domain() {
        return domain;
    }

    /**
     * Discretises the truncated loss variable on the grid: each cell gets the mass between its
     * edges, and the grid is then shifted so that the discrete mean equals the continuous one.
     */
    static DiscretePrv discretise(SubsampledGaussianPrv prv, PrvDomain domain) {
        int n = domain.size();
        double dt = domain.dt();
        double[] t = domain.points();
        double[] pmf = new double[n];
        double meanDiscrete = 0;
        for (int i = 0; i < n; i++) {
            pmf[i] = prv.cdf(t[i] + dt / 2) - prv.cdf(t[i] - dt / 2);
            meanDiscrete += t[i] * pmf[i];
        }
        double shift = prv.mean() - meanDiscrete;
        if (Math.abs(shift) >= dt / 2) {
            throw new IllegalStateException("the discretised PRV's mean is off by " + shift
                    + ", more than half a grid step; ask for a smaller epsilon error");
        }
        return new DiscretePrv(pmf, domain.shiftedRight(shift));
    }

    /** This distribution composed with itself {@code times} times. */
    DiscretePrv selfComposed(long times) {
        if (times < 1) {
            throw new IllegalArgumentException("compose at least once, not " + times);
        }
        int n = pmf.length;
        double[] a = pmf.clone();
        DoubleFFT_1D fft = new DoubleFFT_1D(n);
        fft.realForward(a);
        // Packed real spectrum of even length: a[0] = X0, a[1] = X(n/2), then (re, im) pairs.
        a[0] = realPower(a[0], times);
        a[1] = realPower(a[1], times);
        for (int k = 2; k < n; k += 2) {
            double re = a[k];
            double im = a[k + 1];
            double r = StrictMath.pow(StrictMath.hypot(re, im), times);
            double theta = StrictMath.atan2(im, re) * times;
            a[k] = r * StrictMath.cos(theta);
            a[k + 1] = r * StrictMath.sin(theta);
        }
        fft.realInverse(a, true);
        // The sum of `times` grid indices lands (times − 1)·(n/2 − 1) cells right of the grid's
        // own alignment; rolling by times − 1 (plus n/2 for an even count) puts t = 0 back.
        long m = times - 1;
        if (times % 2 == 0) {
            m += n / 2;
        }
        int roll = (int) Math.floorMod(m, (long) n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int j = i + roll;
            out[j >= n ? j - n : j] = a[i];
        }
        return new DiscretePrv(out, domain.shiftedRight(domain.shifts() * (times - 1)));
    }

    /** This distribution composed with another on the same grid (linear convolution, centred). */
    DiscretePrv composedWith(DiscretePrv other) {
        int n = pmf.length;
        if (other.pmf.length != n) {
            throw new IllegalArgumentException("PRVs on different grids");
        }
        int full = 2 * n - 1;
        int size = Integer.highestOneBit(full - 1) << 1;
        double[] a = new double[size];
        double[] b = new double[size];
        System.arraycopy(pmf, 0, a, 0, n);
        System.arraycopy(other.pmf, 0, b, 0, n);
        DoubleFFT_1D fft = new DoubleFFT_1D(size);
        fft.realForward(a);
        fft.realForward(b);
        a[0] *= b[0];
        a[1] *= b[1];
        for (int k = 2; k < size; k += 2) {
            double re = a[k] * b[k] - a[k + 1] * b[k + 1];
            double im = a[k] * b[k + 1] + a[k + 1] * b[k];
            a[k] = re;
            a[k + 1] = im;
        }
        fft.realInverse(a, true);
        double[] out = new double[n];
        // The centred n of the 2n − 1 sums, as scipy's convolve(mode="same") keeps them.
        System.arraycopy(a, (full - n) / 2, out, 0, n);
        return new DiscretePrv(out, domain.shiftedRight(other.domain.shifts()));
    }

    private static double realPower(double x, long times) {
        double r = StrictMath.pow(Math.abs(x), times);
        return x < 0 && times % 2 == 1 ? -r : r;
    }

    /**
     * ε for δ: the smallest ε whose hockey-stick divergence is at most δ − deltaError, plus
     * epsError: an upper bound that holds despite the discretisation (Gopi et al., theorem 5.5).
     */
    double epsilonUpperBound(double delta, double deltaError, double epsError) {
        int n = pmf.length;
        if (Math.ulp(1.0) * n > delta - deltaError) {
            throw new IllegalArgumentException("delta " + delta + " is too small for a grid of " + n
                    + " points: rounding errors would dominate; ask for a larger delta");
        }
        double[] t = domain.points();
        double[] d1 = new double[n];
        double[] d2 = new double[n];
        double s1 = 0;
        double s2 = 0;
        for (int i = n - 1; i >= 0; i--) {
            s1 += pmf[i];
            s2 += pmf[i] * StrictMath.exp(-t[i]);
            d1[i] = s1;
            d2[i] = s2;
        }
        double[] negativeDelta = new double[n];
        for (int i = 0; i < n; i++) {
            negativeDelta[i] = StrictMath.exp(t[i]) * d2[i] - d1[i];
        }
        double target = delta - deltaError;
        int i = lowerBound(negativeDelta, -target);
        if (i <= 0 || i >= n) {
            throw new IllegalStateException("cannot compute epsilon for delta " + delta + " on this grid");
        }
        return StrictMath.log((d1[i] - target) / d2[i]) + epsError;
    }

    /** The first index whose value is at least v (numpy's searchsorted, side "left"). */
    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
