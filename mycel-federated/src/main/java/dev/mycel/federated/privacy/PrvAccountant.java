package dev.mycel.federated.privacy;

import java.util.ArrayList;
import java.util.List;

/**
 * The privacy random variable (PRV) accountant of Gopi, Lee and Wutschitz (2021): the privacy
 * loss distribution of each step is discretised on a grid and the steps are composed exactly by
 * FFT, so the ε it reports is within {@code epsError} of the true one for the mechanism, tighter
 * than the RDP accountant's bound (for σ 1.5, q 0.04 over 2,249 steps and δ 1e-5: 6.78 against
 * RDP's 7.33). As in Opacus, which follows the authors' code: δ's error is δ / 1000, ε's 0.01,
 * the grid's half-width comes from an RDP bound at δ's error, and the reported ε is the upper
 * bound.
 */
public final class PrvAccountant implements PrivacyAccountant {
    private final double epsError;
    private final MechanismHistory history = new MechanismHistory();

    public PrvAccountant() {
        this(0.01);
    }

    public PrvAccountant(double epsError) {
        if (!(epsError > 0 && epsError < 1)) {
            throw new IllegalArgumentException("epsilon error must be within (0, 1), not " + epsError);
        }
        this.epsError = epsError;
    }

    @Override
    public String name() {
        return "prv";
    }

    @Override
    public void step(double noiseMultiplier, double sampleRate, long steps) {
        history.add(noiseMultiplier, sampleRate, steps);
    }

    @Override
    public PrivacySpent spent(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be within (0, 1), not " + delta);
        }
        List<MechanismHistory.Run> runs = history.runs();
        if (runs.isEmpty()) {
            return new PrivacySpent(0, delta, Double.NaN);
        }
        double deltaError = delta / 1000;
        PrvDomain domain = domain(runs, deltaError);
        List<DiscretePrv> composed = new ArrayList<>();
        for (MechanismHistory.Run run : runs) {
            if (run.sampleRate() == 0) {
                continue; // nothing sampled, nothing spent
            }
            SubsampledGaussianPrv prv = new SubsampledGaussianPrv(run.sampleRate(), run.noiseMultiplier(),
                    domain.tMin(), domain.tMax());
            composed.add(DiscretePrv.discretise(prv, domain).selfComposed(run.steps()));
        }
        if (composed.isEmpty()) {
            return new PrivacySpent(0, delta, Double.NaN);
        }
        // Pairwise, neighbours first, as the reference composes a heterogeneous history.
        while (composed.size() > 1) {
            List<DiscretePrv> next = new ArrayList<>();
            if (composed.size() % 2 == 1) {
                next.add(composed.removeLast());
            }
            for (int i = 0; i + 1 < composed.size(); i += 2) {
                next.add(composed.get(i).composedWith(composed.get(i + 1)));
            }
            composed = next;
        }
        double eps = composed.getFirst().epsilonUpperBound(delta, deltaError, epsError);
        return new PrivacySpent(eps, delta, Double.NaN);
    }

    /**
     * The grid: half-width L from RDP bounds (the whole history at δ's error / 4, each single
     * step at δ's error / (8·steps)) plus 3, step epsError / √(steps · log(12 / δ's error) / 2).
     */
    private PrvDomain domain(List<MechanismHistory.Run> runs, double deltaError) {
        long total = 0;
        RdpAccountant all = new RdpAccountant();
        for (MechanismHistory.Run run : runs) {
            all.step(run.noiseMultiplier(), run.sampleRate(), run.steps());
            total += run.steps();
        }
        double lMax = all.spent(deltaError / 4).epsilon();
        for (MechanismHistory.Run run : runs) {
            RdpAccountant one = new RdpAccountant();
            one.step(run.noiseMultiplier(), run.sampleRate(), 1);
            lMax = Math.max(lMax, one.spent(deltaError / (8.0 * total)).epsilon());
        }
        if (Double.isInfinite(lMax)) {
            throw new IllegalArgumentException("no finite privacy bound: a noise multiplier of 0 gives no privacy");
        }
        double l = Math.max(lMax, epsError) + 3;
        double mesh = epsError / Math.sqrt(total * StrictMath.log(12 / deltaError) / 2);
        return PrvDomain.aligned(-l, l, mesh);
    }
}
