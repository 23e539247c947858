package dev.mycel.federated.privacy;

import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;

/**
 * Definite integrals of smooth functions to near double precision: 16-point Gauss–Legendre on
 * ever finer subdivisions until two successive estimates agree to 1e-14 (commons-math's
 * iterative integrator). The PRV's mean needs it: its error is multiplied by the number of
 * composed steps.
 */
final class Quadrature {
    private static final int MAX_EVALUATIONS = 10_000_000;

    private Quadrature() {
    }

    static double integrate(DoubleUnaryOperator f, double a, double b) {
        if (a == b) {
            return 0;
        }
        IterativeLegendreGaussIntegrator integrator = new IterativeLegendreGaussIntegrator(16, 1e-14, 1e-17, 2, 60);
        return integrator.integrate(MAX_EVALUATIONS, f::applyAsDouble, a, b);
    }
}
