package dev.mycel.federated.privacy;

/**
 * The grid a privacy loss distribution is discretised on: {@code size} points from tMin to tMax
 * (an even count, aligned to multiples of dt so that t = 0 is a grid point), and the total
 * shift applied to it so far (discretisation moves the grid to keep the mean right, and
 * composition adds the shifts).
 */
record PrvDomain(double tMin, double tMax, int size, double shifts) {
    PrvDomain {
        if (size < 2 || size % 2 != 0) {
            throw new IllegalArgumentException("a PRV grid needs an even number of points, not " + size);
        }
    }

    /** The grid spanning at least [tMin, tMax] with step dt, aligned to multiples of dt. */
    static PrvDomain aligned(double tMin, double tMax, double dt) {
        double lo = Math.floor(tMin / dt) * dt;
        double hi = Math.ceil(tMax / dt) * dt;
        long points = (long) Math.rint((hi - lo) / dt) + 1;
        if (points % 2 == 1) {
            points++;
            hi += dt;
        }
        if (points > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the PRV grid would need " + points
                    + " points; ask for a larger epsilon error or fewer steps");
        }
        PrvDomain d = new PrvDomain(lo, hi, (int) points, 0);
        if (Math.abs(d.dt() - dt) / dt >= 1e-8) {
            throw new IllegalStateException("PRV grid step " + d.dt() + " is not the step asked for, " + dt);
        }
        return d;
    }

    double dt() {
        return (tMax - tMin) / (size - 1);
    }

    /** The grid points, as numpy's linspace makes them (i·step + tMin, the last exactly tMax). */
    double[] points() {
        double[] t = new double[size];
        double step = dt();
        for (int i = 0; i < size; i++) {
            t[i] = i * step + tMin;
        }
        t[size - 1] = tMax;
        return t;
    }

    PrvDomain shiftedRight(double by) {
        return new PrvDomain(tMin + by, tMax + by, size, shifts + by);
    }
}
