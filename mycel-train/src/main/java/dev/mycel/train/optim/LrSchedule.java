package dev.mycel.train.optim;

/**
 * The learning rate as a pure function of the step number (0 for the first step), computed in
 * double with {@link StrictMath}, so it has the same bits on every machine and a resumed run
 * continues the schedule exactly.
 */
@FunctionalInterface
public interface LrSchedule {
    /**
     * The learning rate of step {@code step}.
     *
     * @throws IllegalArgumentException when {@code step} is negative
     */
    double lr(long step);

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        return new Constant(lr);
    }

    /**
     * A linear ramp over the first {@code warmupSteps} steps, then {@code maxLr}: {@code maxLr *
     * (step + 1) / (warmupSteps + 1)} while {@code step < warmupSteps} (nanoGPT's warm-up, which
     * never gives 0).
     */
    static LrSchedule linearWarmup(double maxLr, long warmupSteps) {
        return new WarmupCosine(maxLr, maxLr, warmupSteps, warmupSteps + 1);
    }

    /**
     * nanoGPT's {@code get_lr}: linear warm-up to {@code maxLr} over {@code warmupSteps} steps,
     * cosine decay from {@code maxLr} to {@code minLr} until step {@code decaySteps}, then
     * {@code minLr}. See {@link WarmupCosine} for the exact formula.
     */
    static LrSchedule warmupCosine(double maxLr, double minLr, long warmupSteps, long decaySteps) {
        return new WarmupCosine(maxLr, minLr, warmupSteps, decaySteps);
    }

    /** A constant rate. */
    record Constant(double lr) implements LrSchedule {
        public Constant {
            checkRate("lr", lr);
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            return lr;
        }
    }

    /**
     * nanoGPT's schedule (its {@code get_lr}), in double:
     *
     * <pre>
     * step &lt; warmupSteps:  maxLr * (step + 1) / (warmupSteps + 1)
     * step &gt; decaySteps:   minLr
     * otherwise:           ratio = (double) (step - warmupSteps) / (decaySteps - warmupSteps)
     *                      coeff = 0.5 * (1.0 + StrictMath.cos(StrictMath.PI * ratio))
     *                      minLr + coeff * (maxLr - minLr)
     * </pre>
     *
     * (operations in the order written: {@code (maxLr * (step + 1)) / (warmupSteps + 1)}).
     *
     * @param maxLr the rate after warm-up, finite and not negative
     * @param minLr the rate after decay, in [0, maxLr]
     * @param warmupSteps 0 or more
     * @param decaySteps the step at which the rate reaches {@code minLr}, above {@code warmupSteps}
     */
    record WarmupCosine(double maxLr, double minLr, long warmupSteps, long decaySteps) implements LrSchedule {
        public WarmupCosine {
            checkRate("maxLr", maxLr);
            checkRate("minLr", minLr);
            if (minLr > maxLr) {
                throw new IllegalArgumentException("minLr " + minLr + " is above maxLr " + maxLr);
            }
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("negative warm-up " + warmupSteps);
            }
            if (decaySteps <= warmupSteps) {
                throw new IllegalArgumentException("the decay must end (step " + decaySteps
                        + ") after the warm-up (" + warmupSteps + " steps)");
            }
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            if (step < warmupSteps) {
                return maxLr * (step + 1) / (warmupSteps + 1);
            }
            if (step > decaySteps) {
                return minLr;
            }
            double ratio = (double) (step - warmupSteps) / (decaySteps - warmupSteps);
            double coeff = 0.5 * (1.0 + StrictMath.cos(StrictMath.PI * ratio));
            return minLr + coeff * (maxLr - minLr);
        }
    }

    private static void checkRate(String name, double lr) {
        if (!(lr >= 0) || lr == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + " must be finite and not negative, not " + lr);
        }
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("negative step " + step);
        }
    }
}
