package dev.mycel.train.optim;

/**
 * A gradient holds NaN or an infinity, so a step or a clip was refused. The message names the
 * parameter, the element and the value; a trainer adds the step number when it stops.
 */
public final class NonFiniteGradientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String parameterName;
    private final int index;
    private final float value;
    private final int example;

    public NonFiniteGradientException(String parameterName, int index, float value) {
        super("the gradient of '" + parameterName + "' holds " + value + " at element " + index);
        this.parameterName = parameterName;
        this.index = index;
        this.value = value;
        this.example = -1;
    }

    /** The same of one example's gradient (per-example gradients). */
    public NonFiniteGradientException(String parameterName, int example, int index, float value) {
        super("the gradient of '" + parameterName + "' for example " + example + " holds " + value + " at element "
                + index);
        this.parameterName = parameterName;
        this.index = index;
        this.value = value;
        this.example = example;
    }

    /** The name of the parameter whose gradient is not finite. */
    public String parameterName() {
        return parameterName;
    }

    /** The first element of that gradient that is not finite. */
    public int index() {
        return index;
    }

    /** The example whose gradient it is, or −1 for a batch's gradient. */
    public int example() {
        return example;
    }

    /** Its value: NaN, or an infinity. */
    public float value() {
        return value;
    }
}
