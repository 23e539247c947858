package dev.mycel.federated.strategy;

/**
 * FedAdam (Reddi et al. 2021): {@link FedOpt} with Adam's exponential second moment, {@code v =
 * beta2 * v + (1 - beta2) * delta^2}, and Flower's bias-corrected step
 *
 * <pre>
 * stepSize(t) = eta * sqrt(1 - beta2^(t + 1)) / (1 - beta1^(t + 1))
 * </pre>
 *
 * where {@code t} is the round number, counting from 1. Flower's exponent is {@code t + 1}, one
 * more than textbook Adam's {@code t} for a first step at {@code t = 1}; it is kept so that a run
 * here follows a run in Flower. The powers use {@link StrictMath#pow} and the root {@link
 * Math#sqrt}, so the factor has the same bits everywhere.
 */
public final class FedAdam extends FedOpt {
    /** Flower's defaults: eta = 0.1, eta_l = 0.1, beta1 = 0.9, beta2 = 0.99 and tau = 1e-9. */
    public static final double DEFAULT_ETA = 0.1;
    public static final double DEFAULT_ETA_L = 0.1;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.99;
    public static final double DEFAULT_TAU = 1e-9;

    /** @param local the clients' training; its learning rate is Flower's {@code eta_l} */
    public FedAdam(LocalTraining local, double eta, double beta1, double beta2, double tau) {
        super("fedadam", local, eta, beta1, beta2, tau);
    }

    /** Flower's defaults, one local epoch with batches of 32. */
    public FedAdam() {
        this(new LocalTraining(1, 32, DEFAULT_ETA_L), DEFAULT_ETA, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_TAU);
    }

    @Override
    double secondMoment(double v, double delta) {
        return beta2 * v + (1 - beta2) * (delta * delta);
    }

    @Override
    double stepSize(int round) {
        return eta * Math.sqrt(1 - StrictMath.pow(beta2, round + 1.0)) / (1 - StrictMath.pow(beta1, round + 1.0));
    }
}
