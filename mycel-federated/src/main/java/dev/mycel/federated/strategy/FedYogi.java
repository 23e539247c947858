package dev.mycel.federated.strategy;

/**
 * FedYogi (Reddi et al. 2021): {@link FedOpt} with Yogi's second moment (Zaheer et al. 2018),
 * {@code v = v - (1 - beta2) * delta^2 * sign(v - delta^2)}. Unlike Adam's, it moves {@code v}
 * towards {@code delta^2} by an amount that does not depend on how far {@code v} is, so a
 * sudden large delta cannot make {@code v} (and the step) jump. No bias correction: the step is
 * {@code eta}, as in Flower.
 */
public final class FedYogi extends FedOpt {
    /** Flower's defaults: eta = 0.01, eta_l = 0.0316, beta1 = 0.9, beta2 = 0.99 and tau = 1e-3. */
    public static final double DEFAULT_ETA = 1e-2;
    public static final double DEFAULT_ETA_L = 0.0316;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.99;
    public static final double DEFAULT_TAU = 1e-3;

    /** @param local the clients' training; its learning rate is Flower's {@code eta_l} */
    public FedYogi(LocalTraining local, double eta, double beta1, double beta2, double tau) {
        super("fedyogi", local, eta, beta1, beta2, tau);
    }

    /** Flower's defaults, one local epoch with batches of 32. */
    public FedYogi() {
        this(new LocalTraining(1, 32, DEFAULT_ETA_L), DEFAULT_ETA, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_TAU);
    }

    @Override
    double secondMoment(double v, double delta) {
        double d2 = delta * delta;
        return v - (1.0 - beta2) * d2 * Math.signum(v - d2);
    }

    @Override
    double stepSize(int round) {
        return eta;
    }
}
