package dev.mycel.federated.strategy;

import java.util.Objects;

/**
 * Screens one client's update against the round's global model before it reaches a strategy, and
 * says why it refuses one. It catches what would break an aggregate outright (a wrong length, a
 * NaN or infinity that every mean would spread) or lets one client move the model too far (an
 * update norm over the bound, which also keeps a scaled-up sign flip from swamping FedAvg);
 * robust rules deal with the subtler attacks. Signatures and round numbers are the network
 * layer's to check.
 *
 * <p>The checks run in a fixed order (length, examples, finiteness, norm) and the first failure
 * is the verdict, so every participant refuses an update for the same reason. The norm {@code
 * ||w - global||_2} adds squares in double in coordinate order and takes {@link Math#sqrt}, so
 * it has the same bits everywhere and an update at the bound is accepted or refused everywhere
 * alike.
 */
public final class UpdateValidator {
    /** Why an update was refused, or that it was not. */
    public enum Kind {
        ACCEPTED,
        WRONG_LENGTH,
        NO_EXAMPLES,
        NOT_FINITE,
        NORM_TOO_LARGE
    }

    /**
     * The outcome of a check.
     *
     * @param kind what the check found
     * @param reason a sentence for logs and round records; empty when accepted
     */
    public record Verdict(Kind kind, String reason) {
        public static final Verdict ACCEPT = new Verdict(Kind.ACCEPTED, "");

        public Verdict {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(reason, "reason");
        }

        public boolean accepted() {
            return kind == Kind.ACCEPTED;
        }
    }

    private final double maxUpdateNorm;

    /**
     * @param maxUpdateNorm the largest accepted {@code ||w - global||_2}, positive ({@link
     *     Double#POSITIVE_INFINITY} for no bound)
     */
    public UpdateValidator(double maxUpdateNorm) {
        if (!(maxUpdateNorm > 0)) {
            throw new IllegalArgumentException("the update norm bound must be positive, got " + maxUpdateNorm);
        }
        this.maxUpdateNorm = maxUpdateNorm;
    }

    public double maxUpdateNorm() {
        return maxUpdateNorm;
    }

    /** Accepts the update, or says why not; never throws for a bad update. */
    public Verdict check(float[] global, ClientUpdate update) {
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(update, "update");
        String client = "client '" + update.clientId() + "'";
        float[] w = update.parameters();
        if (w.length != global.length) {
            return new Verdict(Kind.WRONG_LENGTH, client + " sent " + w.length + " values, the global model has "
                    + global.length);
        }
        if (update.numExamples() <= 0) {
            return new Verdict(Kind.NO_EXAMPLES, client + " reports " + update.numExamples()
                    + " training examples (at least 1 needed)");
        }
        for (int j = 0; j < w.length; j++) {
            if (!Float.isFinite(w[j])) {
                return new Verdict(Kind.NOT_FINITE, client + " sent " + w[j] + " at index " + j);
            }
        }
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
            double d = (double) w[j] - global[j];
            sum += d * d;
        }
        double norm = Math.sqrt(sum);
        if (norm > maxUpdateNorm) {
            return new Verdict(Kind.NORM_TOO_LARGE, client + " sent an update of norm " + norm
                    + ", above the bound " + maxUpdateNorm);
        }
        return Verdict.ACCEPT;
    }
}
