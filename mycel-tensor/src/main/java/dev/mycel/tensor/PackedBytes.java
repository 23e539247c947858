package dev.mycel.tensor;

/**
 * Where the kernels load packed quant bytes so that they line up with the virtual lanes.
 *
 * <p>The K-quant layouts store the quants of 16 consecutive values (one per virtual lane) in
 * runs of 16 bytes, so byte {@code lo + i} of a run belongs to virtual lane {@code lo + i}. A
 * pass over lanes {@code lo .. lo + W} loads {@link Lanes#BYTES} bytes from {@link #offset} and
 * widens part {@link #part} of them into int lanes (with {@code ZERO_EXTEND_B2I}), where shifts
 * and masks are single instructions on every x86 vector width (there are no 8-bit shifts). With
 * 4-lane vectors the load takes the 8 bytes around the 4 wanted and the part picks their half.
 *
 * <p>The loads themselves are written out in the kernels: a helper method returning a vector
 * would be boxed whenever C2 declines to inline it.
 */
final class PackedBytes {
    private static final int W = Lanes.WIDTH;

    private PackedBytes() {
    }

    /** Offset in a run of the bytes to load for lanes {@code lo .. lo + W}. */
    static long offset(int lo) {
        return W >= 8 ? lo : lo & ~7;
    }

    /** Which part of the loaded bytes to widen for lanes {@code lo .. lo + W}. */
    static int part(int lo) {
        return W >= 8 ? 0 : (lo & 7) / W;
    }
}
