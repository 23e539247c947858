package dev.mycel.train.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Recycles the arrays of one training step's intermediate values for the next step.
 *
 * <p>A step of a convolutional network allocates tens of megabytes (patch matrices, activations,
 * their gradients) that are dead once the optimiser has stepped. Allocating them afresh every
 * step made the JVM grow and shrink its heap and fault pages in, at about a third of the step's
 * time; recycling them by size costs only the zero fill. Not thread-safe: one workspace per
 * training loop, used by the thread that builds the tape.
 */
public final class Workspace {
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final List<float[]> lent = new ArrayList<>();

    /** A zero-filled array of {@code size} floats, valid until {@link #recycle}. */
    public float[] take(int size) {
        float[] a = takeUninitialised(size);
        Arrays.fill(a, 0f);
        return a;
    }

    /**
     * An array of {@code size} floats holding whatever an earlier step left in it, valid until
     * {@link #recycle}: for a result its op writes whole (a patch matrix), where zero-filling
     * tens of megabytes a step would be wasted.
     */
    public float[] takeUninitialised(int size) {
        ArrayDeque<float[]> q = free.get(size);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            a = new float[size];
        }
        lent.add(a);
        return a;
    }

    /**
     * Takes back every array handed out since the last call. Nothing computed from them may be
     * used afterwards: call it once the step's results (loss, metrics) have been read.
     */
    public void recycle() {
        for (float[] a : lent) {
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
        lent.clear();
    }
}
