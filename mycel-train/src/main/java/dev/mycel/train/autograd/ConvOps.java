package dev.mycel.train.autograd;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.train.Gemm;
import dev.mycel.tensor.train.Gemm.Layout;

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
        int patch = kh * kw * c;
        int positions = oh * ow;
        Geometry g = new Geometry(h, w, c, kh, kw, stride, padding, oh, ow);
        // im2col writes every element (the padding's zeros too), so the array need not be cleared.
        float[] col = tape.scratchUninitialised(Math.multiplyExact(n * positions, patch));
        float[] xd = x.data();
        tape.pool().parallelFor(n, 1, (from, to) -> {
            for (int img = from; img < to; img++) {
                im2col(xd, img, g, col);
            }
        });
        boolean needDx = x.requiresGrad() && tape.training();
        // The patch gradient, dy·w, is computed image by image into a buffer that stays in cache
        // and scattered at once, rather than as one [n·positions, patch] matrix (20 MB for the
        // MNIST CNN's second layer) written and read back. That needs the product to give y a
        // gradient on its own, which a trainable weight or bias makes sure of.
        boolean byImage = needDx && (weight.requiresGrad() || bias != null && bias.requiresGrad());
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
                if (dy == null) {
                    return;
                }
                float[] dx = x.gradForUpdate();
                tape.pool().parallelFor(n, 1, (from, to) -> {
                    float[] dcol = patchBuffer(positions * patch);
                    for (int img = from; img < to; img++) {
                        // The rows of dy·w for this image: each element the chain the whole
                        // product would give it (over the output channels in order, from +0).
                        Gemm.multiply(INLINE, positions, patch, out, dy, img * positions * out, Layout.NORMAL,
                                wd, 0, Layout.NORMAL, dcol, 0, false);
                        col2im(dcol, 0, img, g, dx);
                    }
                });
            });
        }
        return y.reshape(n, oh, ow, out);
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

    private record Geometry(int h, int w, int c, int kh, int kw, int stride, int padding, int oh, int ow) {
    }

    private static void im2col(float[] x, int img, Geometry g, float[] col) {
        int c = g.c;
        int patch = g.kh * g.kw * c;
        int rowWidth = g.kw * c;
        int row = img * g.oh * g.ow;
        int imgBase = img * g.h * g.w * c;
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++, row++) {
                int o = row * patch;
                int ix0 = ox * g.stride - g.padding;
                // Columns of the window inside the image: [kx0, kx1).
                int kx0 = Math.max(0, -ix0);
                int kx1 = Math.min(g.kw, g.w - ix0);
                for (int ky = 0; ky < g.kh; ky++, o += rowWidth) {
                    int iy = oy * g.stride - g.padding + ky;
                    if (iy < 0 || iy >= g.h || kx1 <= kx0) {
                        java.util.Arrays.fill(col, o, o + rowWidth, 0f);
                        continue;
                    }
                    // One window row is contiguous in a channels-last image: copy it in one go.
                    if (kx0 > 0) {
                        java.util.Arrays.fill(col, o, o + kx0 * c, 0f);
                    }
                    System.arraycopy(x, imgBase + (iy * g.w + ix0 + kx0) * c, col, o + kx0 * c, (kx1 - kx0) * c);
                    if (kx1 < g.kw) {
                        java.util.Arrays.fill(col, o + kx1 * c, o + rowWidth, 0f);
                    }
                }
            }
        }
    }

    /** Adds the patch gradients of image {@code img}, rows from {@code firstRow} of {@code dcol}, onto dx. */
    private static void col2im(float[] dcol, int firstRow, int img, Geometry g, float[] dx) {
        int c = g.c;
        int patch = g.kh * g.kw * c;
        int rowWidth = g.kw * c;
        int row = firstRow;
        int imgBase = img * g.h * g.w * c;
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++, row++) {
                int o = row * patch;
                int ix0 = ox * g.stride - g.padding;
                int kx0 = Math.max(0, -ix0);
                int kx1 = Math.min(g.kw, g.w - ix0);
                for (int ky = 0; ky < g.kh; ky++, o += rowWidth) {
                    int iy = oy * g.stride - g.padding + ky;
                    if (iy < 0 || iy >= g.h || kx1 <= kx0) {
                        continue;
                    }
                    // The window row's columns inside the image are one contiguous run in a
                    // channels-last image, each element added to once per window, in the order
                    // the windows come.
                    int d = imgBase + (iy * g.w + ix0 + kx0) * c;
                    int from = o + kx0 * c;
                    for (int e = 0, len = (kx1 - kx0) * c; e < len; e++) {
                        dx[d + e] += dcol[from + e];
                    }
                }
            }
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
                        for (int ch = 0; ch < c; ch++) {
                            yd[o + ch] = xd[first + ch];
                            argmax[o + ch] = first + ch;
                        }
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int at = inBase + ((oy * stride + ky) * w + ox * stride + kx) * c;
                                for (int ch = 0; ch < c; ch++) {
                                    float v = xd[at + ch];
                                    float max = yd[o + ch];
                                    // v > max, or v is NaN where max is not; a NaN max stays.
                                    if (max == max && !(v <= max)) {
                                        yd[o + ch] = v;
                                        argmax[o + ch] = at + ch;
                                    }
                                }
                            }
                        }
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
