package dev.mycel.federated.attack;

import java.util.SplittableRandom;

/**
 * The standard normal distribution, with the same bits on every machine: its quantile function
 * for ALIE's {@code z}, and draws for the noise attack. Only {@link StrictMath} and {@link
 * Math#sqrt} (correctly rounded) are used; {@code RandomGenerator.nextGaussian} is avoided because
 * its algorithm is not specified and could change between JDKs.
 */
final class Normal {
    private Normal() {
    }

    /**
     * {@code Phi^-1(p)} by Wichura's algorithm AS 241 (PPND16, Applied Statistics 37(3), 1988),
     * accurate to about 1e-16 relative.
     *
     * @param p a probability in (0, 1)
     */
    static double inverseCdf(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("the normal quantile needs p in (0, 1), got " + p);
        }
        double q = p - 0.5;
        if (Math.abs(q) <= 0.425) {
            double r = 0.180625 - q * q;
            double num = ((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r
                    + 4.5921953931549871457e4) * r + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                    + 1.3314166789178437745e2) * r + 3.3871328727963666080e0;
            double den = ((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r + 3.9307895800092710610e4) * r
                    + 2.1213794301586595867e4) * r + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                    + 4.2313330701600911252e1) * r + 1.0;
            return q * num / den;
        }
        double r = Math.sqrt(-StrictMath.log(q < 0 ? p : 1 - p));
        double value;
        if (r <= 5) {
            r -= 1.6;
            double num = ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r
                    + 1.27045825245236838258e0) * r + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                    + 4.63033784615654529590e0) * r + 1.42343711074968357734e0;
            double den = ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r
                    + 1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                    + 2.05319162663775882187e0) * r + 1.0;
            value = num / den;
        } else {
            r -= 5;
            double num = ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r
                    + 2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                    + 5.46378491116411436990e0) * r + 6.65790464350110377720e0;
            double den = ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r
                    + 7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                    + 5.99832206555887937690e-1) * r + 1.0;
            value = num / den;
        }
        return q < 0 ? -value : value;
    }

    /**
     * {@code count} standard normal draws by the Box-Muller transform, two per pair of uniforms:
     * {@code sqrt(-2 ln u1) * cos(2 pi u2)} and {@code ... * sin(2 pi u2)}, with {@code u1} in (0, 1]
     * so the logarithm is finite.
     */
    static double[] draw(SplittableRandom random, int count) {
        double[] out = new double[count];
        for (int j = 0; j < count; j += 2) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double radius = Math.sqrt(-2.0 * StrictMath.log(u1));
            double angle = 2.0 * Math.PI * u2;
            out[j] = radius * StrictMath.cos(angle);
            if (j + 1 < count) {
                out[j + 1] = radius * StrictMath.sin(angle);
            }
        }
        return out;
    }
}
