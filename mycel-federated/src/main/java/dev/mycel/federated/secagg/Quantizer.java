package dev.mycel.federated.secagg;

/**
 * Fixed-point encoding of real values as unsigned 32-bit integers, the ring secure aggregation
 * adds in (every sum is taken modulo 2<sup>32</sup>, which Java's {@code int} arithmetic does for
 * free).
 *
 * <p>The rule, for a clipping bound {@code c > 0} and a scale {@code s > 0} (levels per unit):
 * <pre>
 *   level(v)        = round((clamp(v, -c, c) + c) * s)       an integer in [0, L], L = round(2 c s)
 *   value(q)        = q / s - c
 *   sum of m values = S / s - m c                             S = the sum of m levels, read unsigned
 * </pre>
 * where {@code round} is {@link Math#round(double)} (halves go up). Levels are shifted to be
 * non-negative, so a sum of {@code m} levels lies in {@code [0, m L]}; as long as
 * {@code m L <= 2^32 - 1} (the <em>headroom</em> condition, checked by {@link #checkHeadroom(int)})
 * the sum taken modulo 2<sup>32</sup> is the true integer sum and the dequantised sum is exact up
 * to rounding: for values inside {@code [-c, c]} each level is within {@code 1 / (2 s)} of the
 * value it encodes, so the dequantised sum of {@code m} values is within {@code m / (2 s)} of
 * their true sum ({@link #maxSumError(int)}). Values outside the range are clipped to it first,
 * which is a change of the value, not a rounding error. NaN and infinities are refused.
 *
 * <p>{@link #forParticipants(double, int)} picks the finest scale whose headroom still holds
 * for a given number of participants: {@code L = floor((2^32 - 1) / n)}, {@code s = L / (2 c)}.
 */
public final class Quantizer {
    /** The largest unsigned 32-bit value, {@code 2^32 - 1}. */
    public static final long MAX_UINT32 = 0xFFFF_FFFFL;

    private final double clip;
    private final double scale;
    private final long maxLevel;

    /**
     * A quantiser that clips to {@code [-clip, clip]} and keeps {@code scale} levels per unit.
     *
     * @throws IllegalArgumentException if either is not a positive finite number, or the range
     *     {@code 2 clip scale} does not fit in 32 bits or has fewer than one level
     */
    public Quantizer(double clip, double scale) {
        if (!(clip > 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("clipping bound must be a positive finite number, got " + clip);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be a positive finite number, got " + scale);
        }
        double span = 2 * clip * scale;
        if (span > MAX_UINT32) {
            throw new IllegalArgumentException("range [-" + clip + ", " + clip + "] at scale " + scale + " needs " + Math.round(span)
                    + " levels, more than an unsigned 32-bit integer holds");
        }
        long levels = Math.round(span);
        if (levels < 1) {
            throw new IllegalArgumentException("range [-" + clip + ", " + clip + "] at scale " + scale + " has no level above zero");
        }
        this.clip = clip;
        this.scale = scale;
        this.maxLevel = levels;
    }

    /**
     * The finest quantiser for {@code [-clip, clip]} whose sums of up to {@code maxParticipants}
     * values never wrap modulo 2<sup>32</sup>.
     */
    public static Quantizer forParticipants(double clip, int maxParticipants) {
        if (maxParticipants < 1) {
            throw new IllegalArgumentException("maximum participant count must be at least 1, got " + maxParticipants);
        }
        long levels = MAX_UINT32 / maxParticipants;
        Quantizer q = new Quantizer(clip, levels / (2 * clip));
        q.checkHeadroom(maxParticipants);
        return q;
    }

    /** The clipping bound {@code c}: values are clipped to {@code [-c, c]}. */
    public double clip() {
        return clip;
    }

    /** Levels per unit, {@code s}. */
    public double scale() {
        return scale;
    }

    /** The level of {@code +c}, {@code L = round(2 c s)}; every level lies in {@code [0, L]}. */
    public long maxLevel() {
        return maxLevel;
    }

    /** The most values whose levels can be summed without wrapping: {@code floor((2^32 - 1) / L)}. */
    public long maxParticipants() {
        return MAX_UINT32 / maxLevel;
    }

    /**
     * Checks that the sum of {@code participants} levels cannot wrap modulo 2<sup>32</sup>.
     *
     * @throws IllegalArgumentException naming the limit if it can
     */
    public void checkHeadroom(int participants) {
        if (participants > maxParticipants()) {
            throw new IllegalArgumentException("overflow: " + participants + " values of up to " + maxLevel + " levels each (range [-" + clip
                    + ", " + clip + "] at scale " + scale + ") can sum to " + Math.multiplyExact((long) participants, maxLevel)
                    + ", past 2^32 - 1; this quantiser has headroom for " + maxParticipants()
                    + " participants (lower the scale or the clipping range, e.g. Quantizer.forParticipants(" + clip + ", " + participants
                    + "))");
        }
    }

    /** The level of one value, in {@code [0, L]}. */
    public long level(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("cannot quantise " + value);
        }
        double clipped = Math.max(-clip, Math.min(clip, value));
        return Math.min(maxLevel, Math.max(0, Math.round((clipped + clip) * scale)));
    }

    /** The levels of a vector, as unsigned 32-bit integers in {@code int}s. */
    public int[] quantize(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("cannot quantise " + values[i] + " at index " + i);
            }
            out[i] = (int) level(values[i]);
        }
        return out;
    }

    /** The value a level encodes, {@code q / s - c}; {@code level} is read as unsigned 32 bits. */
    public double dequantize(int level) {
        return Integer.toUnsignedLong(level) / scale - clip;
    }

    /**
     * The sum of {@code count} values whose levels sum (modulo 2<sup>32</sup>) to {@code levelSum}:
     * {@code S / s - count c} for each coordinate, with {@code S} read as unsigned 32 bits. Exact
     * (up to {@link #maxSumError(int)}) when {@code count} is within the headroom.
     */
    public double[] dequantizeSum(int[] levelSum, int count) {
        checkHeadroom(count);
        double[] out = new double[levelSum.length];
        for (int i = 0; i < levelSum.length; i++) {
            out[i] = Integer.toUnsignedLong(levelSum[i]) / scale - count * clip;
        }
        return out;
    }

    /** The largest rounding error of a dequantised sum of {@code count} values inside the range: {@code count / (2 s)}. */
    public double maxSumError(int count) {
        return count / (2 * scale);
    }

    @Override
    public String toString() {
        return "Quantizer[clip=" + clip + ", scale=" + scale + ", maxLevel=" + maxLevel + ", maxParticipants=" + maxParticipants() + "]";
    }
}
