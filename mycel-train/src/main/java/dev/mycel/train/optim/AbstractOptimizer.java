package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the optimisers share: the parameters, the step counts, the slot arrays (allocated as
 * zeros, one per slot and parameter), the gradient check, and state export and import.
 */
abstract class AbstractOptimizer implements Optimizer {
    private final String kind;
    private final List<Parameter> parameters;
    private final Map<String, String> hyperParameters;
    private final List<String> slotNames;
    /** slots[s][i]: slot s of parameter i. */
    private final float[][][] slots;
    private final long[] parameterSteps;
    private long step;

    AbstractOptimizer(String kind, List<Parameter> parameters, Map<String, String> hyperParameters,
            List<String> slotNames) {
        this.kind = kind;
        this.parameters = List.copyOf(parameters);
        if (this.parameters.isEmpty()) {
            throw new IllegalArgumentException(kind + ": the parameter list is empty");
        }
        Set<String> names = new HashSet<>();
        for (Parameter p : this.parameters) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException(kind + ": parameter '" + p.name() + "' is listed twice");
            }
        }
        this.hyperParameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
        this.slotNames = List.copyOf(slotNames);
        this.slots = new float[this.slotNames.size()][this.parameters.size()][];
        for (float[][] slot : slots) {
            for (int i = 0; i < slot.length; i++) {
                slot[i] = new float[this.parameters.get(i).size()];
            }
        }
        this.parameterSteps = new long[this.parameters.size()];
    }

    /**
     * Updates parameter {@code index} in place.
     *
     * @param w its values
     * @param g its gradient (finite; not to be changed)
     * @param slots its slot arrays, in {@link #slotNames()} order
     * @param lr the learning rate of this step
     * @param t this parameter's step number, counting from 1 (1 on its first update)
     */
    abstract void update(float[] w, float[] g, float[][] slots, double lr, long t);

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public final Map<String, String> hyperParameters() {
        return hyperParameters;
    }

    @Override
    public final List<String> slotNames() {
        return slotNames;
    }

    @Override
    public final long stepCount() {
        return step;
    }

    @Override
    public final void step(double lr) {
        if (!(lr >= 0) || lr == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(kind + ": the learning rate must be finite and not negative, not " + lr);
        }
        Gradients.requireFinite(parameters);
        float[][] own = new float[slots.length][];
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            float[] g = p.value().grad();
            if (g == null) {
                continue;
            }
            for (int s = 0; s < slots.length; s++) {
                own[s] = slots[s][i];
            }
            update(p.data(), g, own, lr, ++parameterSteps[i]);
        }
        step++;
    }

    @Override
    public final OptimizerState state() {
        List<OptimizerState.ParameterState> list = new ArrayList<>(parameters.size());
        for (int i = 0; i < parameters.size(); i++) {
            Map<String, float[]> named = new LinkedHashMap<>();
            for (int s = 0; s < slots.length; s++) {
                named.put(slotNames.get(s), slots[s][i]);
            }
            list.add(new OptimizerState.ParameterState(parameters.get(i).name(), parameterSteps[i], named));
        }
        return new OptimizerState(kind, step, list);
    }

    @Override
    public final void loadState(OptimizerState state) {
        if (!state.kind().equals(kind)) {
            throw new IllegalArgumentException("the state is of optimiser " + state.kind() + ", not " + kind);
        }
        if (state.parameters().size() != parameters.size()) {
            throw new IllegalArgumentException(kind + ": the state covers " + state.parameters().size()
                    + " parameters, this optimiser " + parameters.size());
        }
        for (int i = 0; i < parameters.size(); i++) {
            OptimizerState.ParameterState ps = state.parameters().get(i);
            Parameter p = parameters.get(i);
            if (!ps.name().equals(p.name())) {
                throw new IllegalArgumentException(kind + ": parameter " + i + " of the state is '" + ps.name()
                        + "', this optimiser's is '" + p.name() + "'");
            }
            if (ps.step() > state.step()) {
                throw new IllegalArgumentException(kind + ": parameter '" + p.name() + "' was updated " + ps.step()
                        + " times in a state of " + state.step() + " steps");
            }
            if (!List.copyOf(ps.slots().keySet()).equals(slotNames)) {
                throw new IllegalArgumentException(kind + ": parameter '" + p.name() + "' has slots "
                        + ps.slots().keySet() + ", expected " + slotNames);
            }
            for (String slot : slotNames) {
                int n = ps.slotView(slot).length;
                if (n != p.size()) {
                    throw new IllegalArgumentException(kind + ": slot " + slot + " of '" + p.name() + "' holds " + n
                            + " values, the parameter " + p.size());
                }
            }
        }
        for (int i = 0; i < parameters.size(); i++) {
            OptimizerState.ParameterState ps = state.parameters().get(i);
            for (int s = 0; s < slots.length; s++) {
                float[] src = ps.slotView(slotNames.get(s));
                System.arraycopy(src, 0, slots[s][i], 0, src.length);
            }
            parameterSteps[i] = ps.step();
        }
        step = state.step();
    }

    /** Refuses NaN, infinities and values outside {@code [min, max)} (or {@code [min, max]}). */
    static double check(String kind, String name, double value, double min, double max, boolean maxInclusive) {
        boolean ok = value >= min && (maxInclusive ? value <= max : value < max) && Double.isFinite(value);
        if (!ok) {
            throw new IllegalArgumentException(kind + ": " + name + " must be in [" + min + ", " + max
                    + (maxInclusive ? "]" : ")") + ", not " + value);
        }
        return value;
    }
}
