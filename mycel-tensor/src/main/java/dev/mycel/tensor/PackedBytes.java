package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads of packed quant bytes into int lanes that line up with the virtual lanes.
 *
 * <p>The K-quant layouts store the quants of 16 consecutive values (one per virtual lane) in
 * runs of 16 bytes, so byte {@code lo + i} of a run belongs to virtual lane {@code lo + i}. The
 * bits are unpacked in 32-bit lanes, where shifts and masks are single instructions on every
 * x86 vector width (there are no 8-bit shifts), and then converted to floats.
 */
final class PackedBytes {
    private static final VectorSpecies<Integer> I = Lanes.FLOATS.withLanes(int.class);
    private static final VectorSpecies<Byte> B = Lanes.BYTES;
    private static final int W = Lanes.WIDTH;

    private PackedBytes() {
    }

    /**
     * Bytes {@code lo .. lo + W} of the 16-byte run at {@code run}, zero-extended into int lanes.
     * With 4-lane vectors the load takes the 8 bytes around them and keeps the right half.
     */
    static IntVector unsigned(MemorySegment data, long run, int lo) {
        ByteVector v = ByteVector.fromMemorySegment(B, data, run + (W >= 8 ? lo : lo & ~7), ByteOrder.LITTLE_ENDIAN);
        return (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, W >= 8 ? 0 : (lo & 7) / W);
    }

    /** Exact conversion of small integers to floats. */
    static FloatVector floats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }
}
