package dev.mycel.train.autograd;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.train.Gemm;
import dev.mycel.tensor.train.Gemm.Layout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution and max-pooling over images stored NHWC ([n, height, width, channels]).
 *
 * <p>Channels-last makes a convolution a {@link MatrixOps#linear} over patches: im2col lays every
 * output position's receptive field out as one row [kh·kw·c], so the forward pass is one matrix
 * product with the weights [out, kh, kw, c], and the weight gradient one product whose sum runs
 * over every position of every image in one fixed order. The input's gradient is computed image
 * by image in parallel: the image's patch gradients (dy·w, each element one chain over the output
 * channels) into a buffer that stays in cache, then scattered back onto the image (col2im), each
 * image's sums in one fixed order.
 */
public final class ConvOps {
    private ConvOps() {
    }

    /** Output size of a window sliding over {@code size} with the given padding and stride. */
    public static int outputSize(int size, int kernel, int stride, int padding) {
        return (size + 2 * padding - kernel) / stride + 1;
    }

    /**
     * 2-D convolution: x [n, h, w, c], weight [out, kh, kw, c], bias [out] or null, giving
     * [n, oh, ow, out].
     *
     * <p>On a {@link Tape#perExample per-example tape} each example is n / examples whole images,
     * and the weight's and bias's gradients go to the store per example through the linear over
     * patches: each example's product sums over its images' oh·ow patches, as a batch of that
     * example alone does.
     */
    public static Tensor conv2d(Tape tape, Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        if (x.rank() != 4 || weight.rank() != 4 || x.dim(3) != weight.dim(3)) {
            throw new IllegalArgumentException("conv2d needs x [n, h, w, c] and weight [out, kh, kw, c] with the same c, not "
                    + x + " and " + weight);
        }
        if (stride < 1 || padding < 0) {
            throw new IllegalArgumentException("stride must be at least 1 and padding not negative");
        }
        int n = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int c = x.dim(3);
        int out = weight.dim(0);
        int kh = weight.dim(1);
        int kw = weight.dim(2);
        int oh = outputSize(h, kh, stride, padding);
        int ow = outputSize(w, kw, stride, padding);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("a " + kh + "x" + kw + " kernel does not fit a " + h + "x" + w + " image");
        }
        tape.requireWholeExamples(n, "images");
        Geometry g = new Geometry(h, w, c, kh, kw, stride, padding, oh, ow);
        boolean needDx = x.requiresGrad() && tape.training();
        // The patch gradient, dy·w, is computed image by image into a buffer that stays in cache
        // and scattered at once, rather than as one [n·positions, patch] matrix (20 MB for the
        // MNIST CNN's second layer) written and read back. That needs the product to give y a
        // gradient on its own, which a trainable weight or bias makes sure of.
        boolean byImage = needDx && (weight.requiresGrad() || bias != null && bias.requiresGrad());
        Tensor y = tape.perExample() == null && (!needDx || byImage)
                ? streamed(tape, x, weight, bias, g, byImage)
                : throughPatchMatrix(tape, x, weight, bias, g, needDx, byImage);
        return y.reshape(n, oh, ow, out);
    }

    /**
     * The convolution with no patch matrix: each image's patches are laid out in a per-thread
     * buffer that stays in cache and multiplied at once, and the weight gradient lays them out
     * again, a range of patch columns per thread, image after image. The patches of the whole
     * batch (20 MB for the MNIST CNN's second layer) are then never written to memory and read
     * back twice. The bits are those of the product over the patch matrix: each output is the
     * chain over its patch from the bias (or +0), each weight gradient the chain over every
     * position of every image in order, resumed image after image from the value it had.
     */
    private static Tensor streamed(Tape tape, Tensor x, Tensor weight, Tensor bias, Geometry g, boolean byImage) {
        int n = x.dim(0);
        int out = weight.dim(0);
        int patch = g.patch();
        int positions = g.positions();
        boolean tracked = tape.tracks(x, weight, bias);
        Tensor y = tape.zeros(tracked, n * positions, out);
        float[] xd = x.data();
        float[] wd = weight.data();
        float[] yd = y.data();
        float[] bd = bias == null ? null : bias.data();
        // wᵀ [patch, out], once per batch: row-major, the product reads it where it lies
        // instead of transposing w's panels for every image. The same values, so the same bits.
        float[] wT = tape.scratchUninitialised(Math.multiplyExact(patch, out));
        MatrixOps.transpose(wd, out, patch, wT);
        tape.pool().parallelFor(n, 1, (from, to) -> {
            float[] cols = patchBuffer(positions * patch);
            for (int img = from; img < to; img++) {
                im2col(xd, img, g, 0, patch, cols, 0);
                int base = img * positions * out;
                if (bd != null) {
                    for (int r = 0; r < positions; r++) {
                        System.arraycopy(bd, 0, yd, base + r * out, out);
                    }
                }
                // y_img [positions, out] (+)= patches [positions, patch] · wᵀ
                Gemm.multiply(INLINE, positions, out, patch, cols, 0, Layout.NORMAL, wT, 0, Layout.NORMAL,
                        yd, base, bd != null);
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (byImage) {
                    addInputGradient(tape, x, wd, dy, g, out);
                }
                if (weight.requiresGrad()) {
                    addWeightGradient(tape, xd, dy, g, n, out, weight.gradForUpdate());
                }
                if (bias != null && bias.requiresGrad()) {
                    ReduceOps.addColumnSums(dy, n * positions, out, bias.gradForUpdate());
                }
            });
        }
        return y;
    }

    /**
     * {@code dw [out, patch] += dyᵀ · patches}, computed as its transpose {@code dwᵀ += patchesᵀ · dy}
     * (the same chains; see {@link MatrixOps#addWeightGradient}). Each thread owns a range of
     * dwᵀ's rows, that is of patch columns: it lays out just those columns of each image's
     * patches and adds the image's product, images in order, so every element's chain runs over
     * the positions of image 0, then image 1, and so on, as over the whole patch matrix.
     */
    private static void addWeightGradient(Tape tape, float[] xd, float[] dy, Geometry g, int n, int out, float[] dw) {
        int patch = g.patch();
        int positions = g.positions();
        float[] dwT = tape.scratch(Math.multiplyExact(patch, out));
        MatrixOps.transpose(dw, out, patch, dwT);
        // A range of columns per thread: its share of the product and of the layout work both
        // grow with its width, so equal widths balance the threads.
        int threads = Math.min(tape.pool().threads(), patch);
        tape.pool().parallelFor(threads, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                int p0 = (int) ((long) patch * t / threads);
                int p1 = (int) ((long) patch * (t + 1) / threads);
                float[] cols = patchBuffer(positions * (p1 - p0));
                for (int img = 0; img < n; img++) {
                    im2col(xd, img, g, p0, p1, cols, 0);
                    // dwᵀ[p0..p1) [p1-p0, out] += patches[:, p0..p1)ᵀ · dy_img [positions, out]
                    Gemm.multiply(INLINE, p1 - p0, out, positions, cols, 0, Layout.TRANSPOSED,
                            dy, img * positions * out, Layout.NORMAL, dwT, p0 * out, true);
                }
            }
        });
        MatrixOps.transpose(dwT, patch, out, dw);
    }

    /** dx += col2im(dy·w), image by image, each image's patch gradient in a per-thread buffer. */
    private static void addInputGradient(Tape tape, Tensor x, float[] wd, float[] dy, Geometry g, int out) {
        int n = x.dim(0);
        int patch = g.patch();
        int positions = g.positions();
        float[] dx = x.gradForUpdate();
        tape.pool().parallelFor(n, 1, (from, to) -> {
            float[] dcol = patchBuffer(positions * patch);
            for (int img = from; img < to; img++) {
                // The rows of dy·w for this image: each element the chain the whole product
                // would give it (over the output channels in order, from +0).
                Gemm.multiply(INLINE, positions, patch, out, dy, img * positions * out, Layout.NORMAL,
                        wd, 0, Layout.NORMAL, dcol, 0, false);
                col2im(dcol, 0, img, g, dx);
            }
        });
    }

    /**
     * The convolution as a linear over the batch's patch matrix: on a per-example tape (whose
     * gradients the linear keeps per example) and when only the input is trained (its gradient
     * then comes through the patch matrix's).
     */
    private static Tensor throughPatchMatrix(Tape tape, Tensor x, Tensor weight, Tensor bias, Geometry g,
                                             boolean needDx, boolean byImage) {
        int n = x.dim(0);
        int out = weight.dim(0);
        int patch = g.patch();
        int positions = g.positions();
        // im2col writes every element (the padding's zeros too), so the array need not be cleared.
        float[] col = tape.scratchUninitialised(Math.multiplyExact(n * positions, patch));
        float[] xd = x.data();
        tape.pool().parallelFor(n, 1, (from, to) -> {
            for (int img = from; img < to; img++) {
                im2col(xd, img, g, 0, patch, col, img * positions);
            }
        });
        Tensor cols = tape.wrap(col, needDx && !byImage, n * positions, patch);
        if (needDx && !byImage) {
            // Recorded before the product's own step, so replayed after it: the patch gradient is
            // complete when it is scattered back onto the image.
            tape.record(() -> {
                float[] dcol = cols.grad();
                if (dcol == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                tape.pool().parallelFor(n, 1, (from, to) -> {
                    for (int img = from; img < to; img++) {
                        col2im(dcol, img * positions, img, g, dx);
                    }
                });
            });
        }
        Tensor y = MatrixOps.linear(tape, cols, weight.reshape(out, patch), bias);
        if (byImage) {
            float[] wd = weight.data();
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy != null) {
                    addInputGradient(tape, x, wd, dy, g, out);
                }
            });
        }
        return y;
    }

    /** Each image's products run on the image's own thread. */
    private static final ThreadPool INLINE = CallingThread.POOL;

    /** Each thread's buffer for one image's patch gradient. */
    private static final ThreadLocal<float[][]> PATCH_BUFFER = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] patchBuffer(int size) {
        float[][] holder = PATCH_BUFFER.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int W = F.length();

    /**
     * One window of max-pooling for all c channels: the window's positions in row-major order,
     * a position replacing the running maximum where it is greater or NaN (and the maximum is
     * not already NaN), so each channel keeps its first maximum, as the scalar rule would. Whole
     * vectors of channels compare and blend at once: the same choices, without a branch per
     * element that random data mispredicts half the time.
     */
    private static void poolWindow(float[] xd, int first, int rowStride, int k, int c,
                                   float[] yd, int[] argmax, int o) {
        int ch = 0;
        for (; ch + W <= c; ch += W) {
            FloatVector max = FloatVector.fromArray(F, xd, first + ch);
            IntVector where = IntVector.broadcast(I, first + ch).addIndex(1);
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int at = first + ky * rowStride + kx * c + ch;
                    FloatVector v = FloatVector.fromArray(F, xd, at);
                    VectorMask<Float> take = max.compare(VectorOperators.EQ, max)
                            .andNot(v.compare(VectorOperators.LE, max));
                    max = max.blend(v, take);
                    where = where.blend(IntVector.broadcast(I, at).addIndex(1), take.cast(I));
                }
            }
            max.intoArray(yd, o + ch);
            where.intoArray(argmax, o + ch);
        }
        for (; ch < c; ch++) {
            float max = xd[first + ch];
            int where = first + ch;
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int at = first + ky * rowStride + kx * c + ch;
                    float v = xd[at];
                    // v > max, or v is NaN where max is not; a NaN max stays.
                    if (max == max && !(v <= max)) {
                        max = v;
                        where = at;
                    }
                }
            }
            yd[o + ch] = max;
            argmax[o + ch] = where;
        }
    }

    private record Geometry(int h, int w, int c, int kh, int kw, int stride, int padding, int oh, int ow) {
        int patch() {
            return kh * kw * c;
        }

        int positions() {
            return oh * ow;
        }
    }

    /**
     * Lays out columns [p0, p1) of image {@code img}'s patch rows (one row per output position,
     * patch index (ky, kx, channel)) as rows of p1 − p0 from row {@code outRow} of {@code out}.
     * The image is first copied into a zero-bordered one (a per-thread buffer), so that each
     * window row is one contiguous run to copy, with no padding cases per window.
     */
    private static void im2col(float[] x, int img, Geometry g, int p0, int p1, float[] out, int outRow) {
        int c = g.c;
        int width = p1 - p0;
        int rowWidth = g.kw * c;
        int paddedWidth = g.w + 2 * g.padding;
        int paddedRow = paddedWidth * c;
        float[] padded = paddedImage(x, img, g);
        int kyFrom = p0 / rowWidth;
        int kyTo = (p1 + rowWidth - 1) / rowWidth;
        int row = outRow;
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++, row++) {
                // out[o + p] holds patch column p of this row.
                int o = row * width - p0;
                int window = (oy * g.stride * paddedWidth + ox * g.stride) * c;
                for (int ky = kyFrom; ky < kyTo; ky++) {
                    int s = ky * rowWidth;
                    int lo = Math.max(p0, s);
                    int hi = Math.min(p1, s + rowWidth);
                    copy(padded, window + ky * paddedRow + (lo - s), out, o + lo, hi - lo);
                }
            }
        }
    }

    /** Each thread's zero-bordered copy of the image being laid out. */
    private static final ThreadLocal<float[][]> PADDED = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] paddedImage(float[] x, int img, Geometry g) {
        int c = g.c;
        int pw = g.w + 2 * g.padding;
        int size = (g.h + 2 * g.padding) * pw * c;
        float[][] holder = PADDED.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        float[] padded = holder[0];
        java.util.Arrays.fill(padded, 0, size, 0f);
        int imgBase = img * g.h * g.w * c;
        for (int iy = 0; iy < g.h; iy++) {
            System.arraycopy(x, imgBase + iy * g.w * c, padded, ((iy + g.padding) * pw + g.padding) * c, g.w * c);
        }
        return padded;
    }

    /**
     * Runs shorter than this are moved by a plain loop: a window row of a one-channel image is
     * five floats, and a library call per five floats cost more than the copying.
     */
    private static final int SHORT_RUN = 32;

    private static void copy(float[] from, int fromOff, float[] to, int toOff, int length) {
        if (length >= SHORT_RUN) {
            System.arraycopy(from, fromOff, to, toOff, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            to[toOff + i] = from[fromOff + i];
        }
    }

    /**
     * Adds the patch gradients of image {@code img}, rows from {@code firstRow} of {@code dcol},
     * onto dx: each element of the image gets its windows' gradients in the order the windows
     * come, starting from the value it had. The image's gradient is moved into a zero-bordered
     * buffer for that (each window row then one contiguous run, whatever the padding) and back.
     */
    private static void col2im(float[] dcol, int firstRow, int img, Geometry g, float[] dx) {
        int c = g.c;
        int patch = g.patch();
        int rowWidth = g.kw * c;
        int paddedWidth = g.w + 2 * g.padding;
        int paddedRow = paddedWidth * c;
        float[] padded = paddedImage(dx, img, g);
        int row = firstRow;
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++, row++) {
                int o = row * patch;
                int window = (oy * g.stride * paddedWidth + ox * g.stride) * c;
                for (int ky = 0; ky < g.kh; ky++, o += rowWidth) {
                    add(dcol, o, padded, window + ky * paddedRow, rowWidth);
                }
            }
        }
        int imgBase = img * g.h * g.w * c;
        for (int iy = 0; iy < g.h; iy++) {
            System.arraycopy(padded, ((iy + g.padding) * paddedWidth + g.padding) * c, dx, imgBase + iy * g.w * c, g.w * c);
        }
    }

    /** {@code to[toOff + i] += from[fromOff + i]} for i below length, each element on its own. */
    private static void add(float[] from, int fromOff, float[] to, int toOff, int length) {
        int i = 0;
        for (; i + W <= length; i += W) {
            FloatVector.fromArray(F, to, toOff + i).add(FloatVector.fromArray(F, from, fromOff + i))
                    .intoArray(to, toOff + i);
        }
        for (; i < length; i++) {
            to[toOff + i] += from[fromOff + i];
        }
    }

    /**
     * Max-pooling over {@code k × k} windows with the given stride: x [n, h, w, c] to
     * [n, oh, ow, c]. The gradient goes to the first maximum of each window in row-major order.
     */
    public static Tensor maxPool2d(Tape tape, Tensor x, int k, int stride) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("maxPool2d needs x [n, h, w, c], not " + x);
        }
        int n = x.dim(0);
        int h = x.dim(1);
        int w = x.dim(2);
        int c = x.dim(3);
        int oh = outputSize(h, k, stride, 0);
        int ow = outputSize(w, k, stride, 0);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("a " + k + "x" + k + " window does not fit a " + h + "x" + w + " image");
        }
        boolean tracked = tape.tracks(x);
        Tensor y = tape.zeros(tracked, n, oh, ow, c);
        float[] xd = x.data();
        float[] yd = y.data();
        int[] argmax = new int[yd.length];
        ThreadPool pool = tape.pool();
        pool.parallelFor(n, 1, (from, to) -> {
            for (int img = from; img < to; img++) {
                int inBase = img * h * w * c;
                int o = img * oh * ow * c;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++, o += c) {
                        // Channels are innermost in memory, so each window position is visited
                        // for all channels at once; per channel the window is still read in
                        // row-major order, and the first maximum (or first NaN) wins.
                        int first = inBase + ((oy * stride) * w + ox * stride) * c;
                        poolWindow(xd, first, w * c, k, c, yd, argmax, o);
                    }
                }
            }
        });
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                int perImage = oh * ow * c;
                pool.parallelFor(n, 1, (from, to) -> {
                    for (int o = from * perImage; o < to * perImage; o++) {
                        dx[argmax[o]] += dy[o];
                    }
                });
            });
        }
        return y;
    }
}
