package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 weights: blocks of 32 values, each an fp16 scale {@code d} followed by 32 signed bytes.
 *
 * <p>Activations arrive as Q8_0 (as in llama.cpp). Within a block, virtual lane l collects the
 * products of values l and l + 16; these are small integers, so that partial sum is exact.
 * Each lane then adds {@code partial * (d_w * d_x)} with one fused multiply-add per block.
 */
final class Q8_0Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Byte> B = Lanes.BYTES;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;
    private static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.Q8_0;
    }

    /** The raw bytes holding the quants of lanes {@code lo .. lo+W} of a 16-byte run. */
    private ByteVector raw(long run, int lo) {
        return ByteVector.fromMemorySegment(B, data, run + (W >= 8 ? lo : lo & ~7), ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector toFloats(ByteVector v, int lo) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, W >= 8 ? 0 : (lo & 7) / W);
    }

    /** Quant i (0..31) of the block whose quants start at {@code qs}. */
    private int quant(long qs, int i) {
        return data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, qs + i);
    }

    @Override
    protected float dot1(int r, PreparedActivations x, int t, float[] lanes) {
        float[] xv = x.values();
        float[] xs = x.scales();
        int nb = cols / 32;
        int xb = t * cols;
        int sb = t * nb;
        long rb = r * rowBytes;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                float s = Half.toFloat(data.get(SHORT_LE, bo)) * xs[sb + b];
                int xi = xb + b * 32 + lo;
                FloatVector w0 = toFloats(raw(bo + 2, lo), lo);
                FloatVector w1 = toFloats(raw(bo + 18, lo), lo);
                FloatVector p = w0.mul(FloatVector.fromArray(F, xv, xi));
                p = w1.fma(FloatVector.fromArray(F, xv, xi + 16), p);
                acc = p.fma(FloatVector.broadcast(F, s), acc);
            }
            acc.intoArray(lanes, lo);
        }
        return Lanes.reduce(lanes);
    }

    @Override
    protected void dot4(int r, PreparedActivations x, int t, float[] lanes, float[] sums) {
        float[] xv = x.values();
        float[] xs = x.scales();
        int nb = cols / 32;
        int x0 = t * cols;
        int s0 = t * nb;
        long rb = r * rowBytes;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                float d = Half.toFloat(data.get(SHORT_LE, bo));
                int xi = x0 + b * 32 + lo;
                FloatVector w0 = toFloats(raw(bo + 2, lo), lo);
                FloatVector w1 = toFloats(raw(bo + 18, lo), lo);
                FloatVector p = w0.mul(FloatVector.fromArray(F, xv, xi));
                p = w1.fma(FloatVector.fromArray(F, xv, xi + 16), p);
                a0 = p.fma(FloatVector.broadcast(F, d * xs[s0 + b]), a0);
                xi += cols;
                p = w0.mul(FloatVector.fromArray(F, xv, xi));
                p = w1.fma(FloatVector.fromArray(F, xv, xi + 16), p);
                a1 = p.fma(FloatVector.broadcast(F, d * xs[s0 + nb + b]), a1);
                xi += cols;
                p = w0.mul(FloatVector.fromArray(F, xv, xi));
                p = w1.fma(FloatVector.fromArray(F, xv, xi + 16), p);
                a2 = p.fma(FloatVector.broadcast(F, d * xs[s0 + 2 * nb + b]), a2);
                xi += cols;
                p = w0.mul(FloatVector.fromArray(F, xv, xi));
                p = w1.fma(FloatVector.fromArray(F, xv, xi + 16), p);
                a3 = p.fma(FloatVector.broadcast(F, d * xs[s0 + 3 * nb + b]), a3);
            }
            a0.intoArray(lanes, lo);
            a1.intoArray(lanes, L + lo);
            a2.intoArray(lanes, 2 * L + lo);
            a3.intoArray(lanes, 3 * L + lo);
        }
        for (int k = 0; k < 4; k++) {
            sums[k] = Lanes.reduce(lanes, k * L);
        }
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long bo = rb + (long) b * BLOCK_BYTES;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = d * quant(bo + 2, i);
            }
        }
    }
}
