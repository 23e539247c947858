package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F16 weights. As in llama.cpp, activations are first rounded to fp16; products and sums are float32.
 *
 * <p>Value i of a row goes to virtual lane {@code i % 16}; each lane accumulates with fused
 * multiply-adds in increasing index order.
 */
final class F16Matrix extends DenseMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;

    F16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.F16;
    }

    private FloatVector load(long off) {
        return Half.toFloats(data, off);
    }

    private float value(long off) {
        return Half.toFloat(data.get(SHORT_LE, off));
    }

    @Override
    protected float dot1(int r, PreparedActivations x, int t, float[] lanes) {
        float[] xv = x.values();
        int xb = t * cols;
        long rb = r * rowBytes;
        int full = cols - cols % L;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector acc = FloatVector.zero(F);
            for (int c = lo; c < full; c += L) {
                acc = load(rb + (long) c * 2).fma(FloatVector.fromArray(F, xv, xb + c), acc);
            }
            acc.intoArray(lanes, lo);
        }
        for (int c = full; c < cols; c++) {
            lanes[c - full] = Math.fma(value(rb + (long) c * 2), xv[xb + c], lanes[c - full]);
        }
        return Lanes.reduce(lanes);
    }

    @Override
    protected void dot4(int r, PreparedActivations x, int t, float[] lanes, float[] sums) {
        float[] xv = x.values();
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        long rb = r * rowBytes;
        int full = cols - cols % L;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = lo; c < full; c += L) {
                FloatVector w = load(rb + (long) c * 2);
                a0 = w.fma(FloatVector.fromArray(F, xv, x0 + c), a0);
                a1 = w.fma(FloatVector.fromArray(F, xv, x1 + c), a1);
                a2 = w.fma(FloatVector.fromArray(F, xv, x2 + c), a2);
                a3 = w.fma(FloatVector.fromArray(F, xv, x3 + c), a3);
            }
            a0.intoArray(lanes, lo);
            a1.intoArray(lanes, L + lo);
            a2.intoArray(lanes, 2 * L + lo);
            a3.intoArray(lanes, 3 * L + lo);
        }
        for (int c = full; c < cols; c++) {
            float w = value(rb + (long) c * 2);
            int lane = c - full;
            lanes[lane] = Math.fma(w, xv[x0 + c], lanes[lane]);
            lanes[L + lane] = Math.fma(w, xv[x1 + c], lanes[L + lane]);
            lanes[2 * L + lane] = Math.fma(w, xv[x2 + c], lanes[2 * L + lane]);
            lanes[3 * L + lane] = Math.fma(w, xv[x3 + c], lanes[3 * L + lane]);
        }
        for (int k = 0; k < 4; k++) {
            sums[k] = Lanes.reduce(lanes, k * L);
        }
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int c = 0; c < cols; c++) {
            dst[off + c] = value(rb + (long) c * 2);
        }
    }
}
