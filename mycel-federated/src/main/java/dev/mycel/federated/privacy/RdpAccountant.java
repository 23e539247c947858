package dev.mycel.federated.privacy;

import java.util.List;

/**
 * The Rényi DP accountant: RDP of the sampled Gaussian mechanism at a set of orders, added up
 * over steps (RDP composes by addition), then converted to (ε, δ) at the best order.
 *
 * <p>The conversion is Balle et al. 2020 ("Hypothesis testing interpretations and Rényi
 * differential privacy", Theorem 21): ε = RDP(α) − (log δ + log α) / (α − 1) + log((α − 1) / α),
 * tighter than Mironov's original ε = RDP(α) + log(1/δ) / (α − 1). It is the conversion Opacus
 * uses, and so are the default orders: 1.1 to 10.9 in steps of 0.1, then 12 to 63.
 */
public final class RdpAccountant implements PrivacyAccountant {
    /** Opacus's default orders. */
    public static final double[] DEFAULT_ORDERS = defaultOrders();

    private final double[] orders;
    private final MechanismHistory history = new MechanismHistory();

    public RdpAccountant() {
        this(DEFAULT_ORDERS);
    }

    public RdpAccountant(double[] orders) {
        if (orders.length == 0) {
            throw new IllegalArgumentException("the RDP accountant needs at least one order");
        }
        for (double a : orders) {
            if (!(a > 1)) {
                throw new IllegalArgumentException("RDP orders must be above 1, not " + a);
            }
        }
        this.orders = orders.clone();
    }

    @Override
    public String name() {
        return "rdp";
    }

    @Override
    public void step(double noiseMultiplier, double sampleRate, long steps) {
        history.add(noiseMultiplier, sampleRate, steps);
    }

    /** The total RDP at each order. */
    public double[] rdp() {
        double[] total = new double[orders.length];
        for (MechanismHistory.Run run : history.runs()) {
            for (int i = 0; i < orders.length; i++) {
                total[i] += SampledGaussianRdp.rdp(run.sampleRate(), run.noiseMultiplier(), orders[i]) * run.steps();
            }
        }
        return total;
    }

    @Override
    public PrivacySpent spent(double delta) {
        return convert(orders, rdp(), delta);
    }

    /**
     * ε for δ from RDP values at the given orders: the smallest over the orders of Balle et al.'s
     * bound, with the order that gave it; +∞ where no order gives a number.
     */
    public static PrivacySpent convert(double[] orders, double[] rdp, double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be within (0, 1), not " + delta);
        }
        double best = Double.NaN;
        double bestOrder = Double.NaN;
        double logDelta = StrictMath.log(delta);
        for (int i = 0; i < orders.length; i++) {
            double a = orders[i];
            double eps = rdp[i] - (logDelta + StrictMath.log(a)) / (a - 1) + StrictMath.log((a - 1) / a);
            // NaN (∞ − ∞) is skipped, as numpy's nanargmin skips it; the first minimum wins.
            if (!Double.isNaN(eps) && (Double.isNaN(best) || eps < best)) {
                best = eps;
                bestOrder = a;
            }
        }
        if (Double.isNaN(best)) {
            return new PrivacySpent(Double.POSITIVE_INFINITY, delta, Double.NaN);
        }
        // Without any step the bound is negative for large orders; no privacy is spent.
        return new PrivacySpent(Math.max(0, best), delta, bestOrder);
    }

    private static double[] defaultOrders() {
        double[] o = new double[99 + 52];
        int n = 0;
        for (int x = 1; x < 100; x++) {
            o[n++] = 1 + x / 10.0;
        }
        for (int a = 12; a < 64; a++) {
            o[n++] = a;
        }
        return o;
    }

    List<MechanismHistory.Run> history() {
        return history.runs();
    }
}
