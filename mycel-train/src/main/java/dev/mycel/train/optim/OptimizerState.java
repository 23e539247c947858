package dev.mycel.train.optim;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an optimiser carries from one step to the next: its kind, the number of steps
 * taken, and per parameter (in the optimiser's order) its own step count and its slot arrays.
 * The arrays are copied in and out, so a state is a snapshot; two states are {@link #equals
 * equal} when every value has the same bits.
 *
 * @param kind the optimiser's {@link Optimizer#kind()}
 * @param step the optimiser's {@link Optimizer#stepCount()}
 * @param parameters one entry per parameter, in the optimiser's order
 */
public record OptimizerState(String kind, long step, List<ParameterState> parameters) {
    public OptimizerState {
        Objects.requireNonNull(kind, "kind");
        if (step < 0) {
            throw new IllegalArgumentException("negative step count " + step);
        }
        parameters = List.copyOf(parameters);
    }

    /**
     * The state kept for one parameter.
     *
     * @param name the parameter's name
     * @param step how many steps have updated this parameter (smaller than the optimiser's count
     *     when some steps found no gradient for it); 0 means its slots have not been started
     * @param slots the slot arrays by name, in the optimiser's {@link Optimizer#slotNames() order}
     */
    public record ParameterState(String name, long step, Map<String, float[]> slots) {
        public ParameterState {
            Objects.requireNonNull(name, "name");
            if (step < 0) {
                throw new IllegalArgumentException("parameter " + name + ": negative step count " + step);
            }
            slots = copy(slots);
        }

        /** A copy of the slot arrays (the record keeps its own). */
        @Override
        public Map<String, float[]> slots() {
            return copy(slots);
        }

        /** The slot array itself, not a copy, for reading. */
        float[] slotView(String slot) {
            return slots.get(slot);
        }

        private static Map<String, float[]> copy(Map<String, float[]> slots) {
            Map<String, float[]> out = new LinkedHashMap<>();
            slots.forEach((k, v) -> out.put(Objects.requireNonNull(k), v.clone()));
            return Collections.unmodifiableMap(out);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ParameterState other) || !name.equals(other.name) || step != other.step
                    || !slots.keySet().equals(other.slots.keySet())) {
                return false;
            }
            for (var e : slots.entrySet()) {
                if (!sameBits(e.getValue(), other.slots.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = name.hashCode() * 31 + Long.hashCode(step);
            for (var e : slots.entrySet()) {
                h = h * 31 + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
            }
            return h;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(name).append(" (step ").append(step);
            slots.forEach((k, v) -> sb.append(", ").append(k).append('[').append(v.length).append(']'));
            return sb.append(')').toString();
        }

        private static boolean sameBits(float[] a, float[] b) {
            if (a.length != b.length) {
                return false;
            }
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                    return false;
                }
            }
            return true;
        }
    }
}
