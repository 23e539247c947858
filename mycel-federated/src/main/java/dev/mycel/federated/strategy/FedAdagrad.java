package dev.mycel.federated.strategy;

/**
 * FedAdagrad (Reddi et al. 2021): {@link FedOpt} with no first-moment decay and a second moment
 * that only grows, {@code v = v + delta^2}, so coordinates that keep moving take ever smaller
 * steps. Flower fixes {@code beta1 = beta2 = 0} for it; with {@code beta1 = 0}, {@code m} is just
 * this round's delta. The step is {@code eta}.
 */
public final class FedAdagrad extends FedOpt {
    /** Flower's defaults: eta = 0.1, eta_l = 0.1 and tau = 1e-9. */
    public static final double DEFAULT_ETA = 0.1;
    public static final double DEFAULT_ETA_L = 0.1;
    public static final double DEFAULT_TAU = 1e-9;

    /** @param local the clients' training; its learning rate is Flower's {@code eta_l} */
    public FedAdagrad(LocalTraining local, double eta, double tau) {
        super("fedadagrad", local, eta, 0.0, 0.0, tau);
    }

    /** Flower's defaults, one local epoch with batches of 32. */
    public FedAdagrad() {
        this(new LocalTraining(1, 32, DEFAULT_ETA_L), DEFAULT_ETA, DEFAULT_TAU);
    }

    @Override
    double secondMoment(double v, double delta) {
        return v + delta * delta;
    }

    @Override
    double stepSize(int round) {
        return eta;
    }
}
