package dev.mycel.federated.round;

/**
 * A run's secure-aggregation settings: the clipping norm S of each client's update (also the
 * fixed-point range of each coordinate) and the weight bound W (a client with n examples weighs
 * {@code min(n, W) / W}; 0 weighs every client the same, as client-level DP needs).
 */
public record SecureAggregation(double clipNorm, long weightBound) {
    public SecureAggregation {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("--secagg needs a finite clipping norm above 0, not " + clipNorm);
        }
        if (weightBound < 0) {
            throw new IllegalArgumentException("the secure-aggregation weight bound must be 0 or positive, not " + weightBound);
        }
    }
}
