package dev.mycel.federated.round;

/**
 * A run's secure-aggregation settings: the clipping norm S of each client's update (also the
 * fixed-point range of each coordinate) and the weight bound W (a client with n examples weighs
 * {@code min(n, W) / W}; 0 weighs every client the same, as client-level DP needs).
 *
 * <p>For distributed DP (clients add shares of one Gaussian noise before masking), {@code
 * clientNoiseStd} is the standard deviation each client adds to each value of its update and
 * {@code noiseShares} m' the count it was sized for (a share is 1/m' of the noise's variance):
 * the fixed-point range widens to hold the noise, and no sum with fewer than m' inputs is
 * unmasked. Both 0 when clients add no noise of their own this way.
 */
public record SecureAggregation(double clipNorm, long weightBound, double clientNoiseStd, int noiseShares) {
    /** Secure aggregation without distributed noise. */
    public SecureAggregation(double clipNorm, long weightBound) {
        this(clipNorm, weightBound, 0, 0);
    }

    public SecureAggregation {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("--secagg needs a finite clipping norm above 0, not " + clipNorm);
        }
        if (weightBound < 0) {
            throw new IllegalArgumentException("the secure-aggregation weight bound must be 0 or positive, not " + weightBound);
        }
        if (!(clientNoiseStd >= 0) || Double.isInfinite(clientNoiseStd)) {
            throw new IllegalArgumentException("a client's noise must be 0 or a finite standard deviation, not " + clientNoiseStd);
        }
        if (noiseShares < 0 || (noiseShares == 0) != (clientNoiseStd == 0)) {
            throw new IllegalArgumentException("distributed noise needs both a client's standard deviation and the count of shares"
                    + " (" + clientNoiseStd + ", " + noiseShares + ")");
        }
        if (noiseShares > 0 && weightBound != 0) {
            throw new IllegalArgumentException("distributed noise needs equal weights (weight bound 0): a weight would scale a"
                    + " client's share of the noise");
        }
    }
}
