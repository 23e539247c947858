package dev.mycel.federated.privacy;

/**
 * Tracks the privacy a run has spent, step by step, as the sampled Gaussian mechanism: each
 * step samples records with probability {@code sampleRate} and adds Gaussian noise of
 * {@code noiseMultiplier} times the clipping norm. For example-level DP-SGD a step is one
 * optimiser step over a client's data; for client-level DP-FedAvg it is one round over the
 * clients.
 */
public interface PrivacyAccountant {
    /** The accountant's name on the command line and in reports: {@code rdp} or {@code prv}. */
    String name();

    /** Records {@code steps} more steps with these parameters. */
    void step(double noiseMultiplier, double sampleRate, long steps);

    /** ε for this δ after the steps recorded so far. */
    PrivacySpent spent(double delta);

    /** A fresh accountant of the named kind. */
    static PrivacyAccountant named(String name) {
        return switch (name) {
            case "rdp" -> new RdpAccountant();
            case "prv" -> new PrvAccountant();
            default -> throw new IllegalArgumentException("unknown accountant '" + name + "': use rdp or prv");
        };
    }
}
