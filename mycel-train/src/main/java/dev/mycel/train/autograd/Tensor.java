package dev.mycel.train.autograd;

import java.util.Arrays;

/**
 * A dense float tensor, row-major, with an optional gradient of the same shape.
 *
 * <p>Tensors made by operations on a {@link Tape} remember nothing themselves: the tape holds
 * how to send gradients back. A view made by {@link #reshape} shares its data and its gradient
 * with the tensor it was made from, so gradients written through either reach both.
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;
    private final boolean requiresGrad;
    /** The tensor whose gradient this one shares (itself unless a view). */
    private final Tensor owner;
    /** Where this tensor's gradient array comes from (intermediate values), or null (a fresh array). */
    private final Workspace workspace;
    private float[] grad;
    /**
     * Set (on the owner) while a per-example backward pass sends this parameter's gradient to a
     * {@link PerExampleGradients} store instead: why writing the ordinary gradient is refused.
     */
    private String gradLock;

    private Tensor(float[] data, int[] shape, boolean requiresGrad, Tensor owner) {
        this(data, shape, requiresGrad, owner, null);
    }

    private Tensor(float[] data, int[] shape, boolean requiresGrad, Tensor owner, Workspace workspace) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
                    + " values, not " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
        this.requiresGrad = requiresGrad;
        this.owner = owner == null ? this : owner;
        this.workspace = workspace;
    }

    /** A tensor no gradient flows into (inputs, targets). */
    public static Tensor constant(float[] data, int... shape) {
        return new Tensor(data, shape, false, null);
    }

    /** A tensor whose gradient is collected (parameters, and results computed from them). */
    public static Tensor trainable(float[] data, int... shape) {
        return new Tensor(data, shape, true, null);
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(boolean requiresGrad, int... shape) {
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large for one array");
        }
        return new Tensor(new float[(int) size], shape, requiresGrad, null);
    }

    /**
     * A zero-filled tensor whose values and gradient live in {@code workspace} (an intermediate
     * value of a training step), or fresh arrays when the workspace is null.
     */
    static Tensor zeros(Workspace workspace, boolean requiresGrad, int... shape) {
        if (workspace == null) {
            return zeros(requiresGrad, shape);
        }
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large for one array");
        }
        return new Tensor(workspace.take((int) size), shape, requiresGrad, null, workspace);
    }

    /** A tensor over {@code data} whose gradient, if any, is drawn from {@code workspace} (may be null). */
    static Tensor over(Workspace workspace, float[] data, boolean requiresGrad, int... shape) {
        return new Tensor(data, shape, requiresGrad, null, workspace);
    }

    /** The same values and gradient under another shape of the same size. */
    public Tensor reshape(int... newShape) {
        return new Tensor(data, newShape, requiresGrad, owner);
    }

    /** The tensor whose values and gradient this one shares: itself, or the tensor a view was made from. */
    Tensor root() {
        return owner;
    }

    /** Refuses ({@code why} non-null) or allows again (null) adding into the gradient. */
    void lockGrad(String why) {
        owner.gradLock = why;
    }

    /** The values, shared (not a copy). */
    public float[] data() {
        return data;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int size() {
        return data.length;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** The gradient collected so far, or null when none has reached this tensor. */
    public float[] grad() {
        return owner.grad;
    }

    /**
     * The gradient array to add into, zero-filled on first use. Adding into zeros gives the
     * same bits as writing, because every kernel's sum starts from +0.
     */
    public float[] gradForUpdate() {
        if (owner.gradLock != null) {
            throw new IllegalStateException(owner.gradLock);
        }
        if (owner.grad == null) {
            owner.grad = owner.workspace != null ? owner.workspace.take(data.length) : new float[data.length];
        }
        return owner.grad;
    }

    /** Whether a gradient has been started (by {@link #gradForUpdate} or {@link #gradToOverwrite}). */
    public boolean hasGrad() {
        return owner.grad != null;
    }

    /**
     * A gradient array for a first contribution that writes every element: taken uncleared,
     * since the caller overwrites it, which gives the bits that adding into zeros would (every
     * kernel's sum starts from +0) without the zero fill and the read. Only when
     * {@link #hasGrad()} is false.
     */
    public float[] gradToOverwrite() {
        if (owner.gradLock != null) {
            throw new IllegalStateException(owner.gradLock);
        }
        if (owner.grad != null) {
            throw new IllegalStateException("the gradient was already started: add into gradForUpdate() instead");
        }
        owner.grad = owner.workspace != null ? owner.workspace.takeUninitialised(data.length) : new float[data.length];
        return owner.grad;
    }

    /** Forgets the gradient (the next backward pass starts from zero). */
    public void zeroGrad() {
        if (owner.grad != null) {
            Arrays.fill(owner.grad, 0f);
        }
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (data.length != 1) {
            throw new IllegalStateException("item() needs one value, this tensor holds " + data.length);
        }
        return data[0];
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (requiresGrad ? " (trainable)" : "");
    }
}
