package dev.mycel.tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Random weight matrices in ggml block layouts, streamed block by block, for benchmarks and
 * large synthetic models.
 *
 * <p>Values have mean 0 and the requested standard deviation. Float types and Q8_0/Q4_0 hold
 * normal values (drawn from a 65536-entry table of normal quantiles, so tails end near 4.2
 * sigma) converted by {@link Quantizer} as llama.cpp would. K-quants draw their parts directly:
 * quants from a discretised normal centred in their range, 6-bit (Q4_K, Q5_K) or 8-bit (Q6_K)
 * sub-block scales uniform in the upper half of their range, mins that cancel the quants' mean,
 * and {@code d} chosen for the requested deviation.
 *
 * <p>The values are cut into chunks of {@value #CHUNK_VALUES}, each with its own random stream
 * derived from the seed and the chunk's index, and only StrictMath is used, so the bytes depend
 * on nothing but the arguments: not on the thread count, the machine or the JVM.
 */
public final class SyntheticWeights {
    /** Values per chunk (a multiple of every block size). */
    static final int CHUNK_VALUES = 1 << 16;
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** Normal quantiles at (i + 1/2) / 65536, scaled to unit variance. */
    private static final float[] NORMAL = normalTable(1 << 16);
    private static final QuantDraw Q4 = new QuantDraw(16, 7.5, 3.0);
    private static final QuantDraw Q5 = new QuantDraw(32, 15.5, 5.8);
    private static final QuantDraw Q6 = new QuantDraw(64, 32.0, 11.0);

    private SyntheticWeights() {
    }

    /** The types this class can generate. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Bytes of a {@code rows x cols} matrix of {@code type}. */
    public static long byteSize(GgmlType type, long rows, int cols) {
        return Math.multiplyExact(rows, type.byteSize(cols));
    }

    /** A small matrix in memory; see {@link #write(GgmlType, long, int, double, long, OutputStream, int)}. */
    public static byte[] generate(GgmlType type, int rows, int cols, double std, long seed) {
        long size = byteSize(type, rows, cols);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(type + " " + rows + " x " + cols + " is too large for an array; stream it");
        }
        byte[] out = new byte[(int) size];
        long values = (long) rows * cols;
        int pos = 0;
        for (long chunk = 0; chunk * CHUNK_VALUES < values; chunk++) {
            byte[] bytes = chunk(type, values, std, seed, chunk);
            System.arraycopy(bytes, 0, out, pos, bytes.length);
            pos += bytes.length;
        }
        return out;
    }

    /** {@link #write(GgmlType, long, int, double, long, OutputStream, int)} on all cores. */
    public static void write(GgmlType type, long rows, int cols, double std, long seed, OutputStream out)
            throws IOException {
        write(type, rows, cols, std, seed, out, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Writes {@code rows x cols} random weights of {@code type} with standard deviation
     * {@code std} to {@code out}, row-major in the GGUF block layout, using {@code threads}
     * threads to encode chunks ahead of the writer. The bytes are the same for any thread count.
     */
    public static void write(GgmlType type, long rows, int cols, double std, long seed, OutputStream out,
                             int threads) throws IOException {
        if (!supports(type)) {
            throw new IllegalArgumentException("cannot generate " + type + " weights");
        }
        if (rows <= 0 || cols <= 0 || !(std > 0) || threads < 1) {
            throw new IllegalArgumentException("need rows, cols, std and threads > 0: " + rows + ", " + cols
                    + ", " + std + ", " + threads);
        }
        type.byteSize(cols);
        long values = Math.multiplyExact(rows, (long) cols);
        long chunks = (values + CHUNK_VALUES - 1) / CHUNK_VALUES;
        if (threads == 1 || chunks == 1) {
            for (long c = 0; c < chunks; c++) {
                out.write(chunk(type, values, std, seed, c));
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mycel-synthetic-weights");
            t.setDaemon(true);
            return t;
        });
        try {
            ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();
            long next = 0;
            while (next < chunks || !ahead.isEmpty()) {
                while (next < chunks && ahead.size() < 2 * threads) {
                    long c = next++;
                    ahead.add(pool.submit(() -> chunk(type, values, std, seed, c)));
                }
                out.write(ahead.poll().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating weights", e);
        } catch (ExecutionException e) {
            throw new IOException("generating weights failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The bytes of chunk {@code c} of a tensor of {@code values} values. */
    static byte[] chunk(GgmlType type, long values, double std, long seed, long c) {
        int n = (int) Math.min(CHUNK_VALUES, values - c * CHUNK_VALUES);
        SplittableRandom rnd = new SplittableRandom(seed * 0x9e3779b97f4a7c15L + c);
        byte[] out = new byte[(int) type.byteSize(n)];
        switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> {
                float[] x = new float[n];
                float s = (float) std;
                for (int i = 0; i < n; i += 4) {
                    long bits = rnd.nextLong();
                    for (int k = 0; k < 4 && i + k < n; k++) {
                        x[i + k] = s * NORMAL[(int) (bits >>> (16 * k)) & 0xffff];
                    }
                }
                Quantizer.quantize(type, x, 0, n, out, 0);
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) {
                    q4_K(out, 144 * b, std, rnd, false);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < n / 256; b++) {
                    q4_K(out, 176 * b, std, rnd, true);
                }
            }
            case Q6_K -> {
                int[] quants = new int[256];
                for (int b = 0; b < n / 256; b++) {
                    q6_K(out, 210 * b, std, rnd, quants);
                }
            }
            default -> throw new IllegalArgumentException("cannot generate " + type + " weights");
        }
        return out;
    }

    /**
     * A Q4_K (or, with {@code fiveBits}, Q5_K) super-block: scales uniform in 32..63, mins equal
     * to the scales and {@code dmin = d * E[q]}, so that each sub-block's values
     * {@code d sc (q - E[q])} have mean zero.
     */
    private static void q4_K(byte[] y, int o, double std, SplittableRandom rnd, boolean fiveBits) {
        QuantDraw draw = fiveBits ? Q5 : Q4;
        long bits = rnd.nextLong();
        float d = Float.float16ToFloat(Float.floatToFloat16((float) (std / (draw.deviation * SCALE_RMS_32_63))));
        SHORT_LE.set(y, o, Float.floatToFloat16(d));
        SHORT_LE.set(y, o + 2, Float.floatToFloat16((float) (d * draw.mean)));
        // Packed as KScales reads them, with min j = scale j for every sub-block.
        for (int j = 0; j < 4; j++) {
            int first = 32 + (int) ((bits >>> (5 * j)) & 31);
            int second = 32 + (int) ((bits >>> (5 * j + 20)) & 31);
            y[o + 4 + j] = (byte) (first | (second >> 4) << 6);
            y[o + 8 + j] = (byte) (first | (second >> 4) << 6);
            y[o + 12 + j] = (byte) ((second & 15) | (second & 15) << 4);
        }
        int qs = o + (fiveBits ? 48 : 16);
        int qh = o + 16;
        if (fiveBits) {
            java.util.Arrays.fill(y, qh, qh + 32, (byte) 0);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l += 4) {
                long r = rnd.nextLong();
                for (int k = 0; k < 4; k++) {
                    int lo = draw.level((int) (r >>> (16 * k)) & 0xff);
                    int hi = draw.level((int) (r >>> (16 * k + 8)) & 0xff);
                    y[qs + 32 * c + l + k] = (byte) ((lo & 15) | (hi & 15) << 4);
                    if (fiveBits) {
                        y[qh + l + k] |= (byte) (((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
                    }
                }
            }
        }
    }

    /** A Q6_K super-block: scales uniform in 64..127, quants centred on 32. */
    private static void q6_K(byte[] y, int o, double std, SplittableRandom rnd, int[] q) {
        for (int i = 0; i < 256; i += 8) {
            long r = rnd.nextLong();
            for (int k = 0; k < 8; k++) {
                q[i + k] = Q6.level((int) (r >>> (8 * k)) & 0xff);
            }
        }
        for (int n = 0; n < 2; n++) {
            int ql = o + 64 * n;
            int qh = o + 128 + 32 * n;
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * n + l];
                int q2 = q[128 * n + l + 32];
                int q3 = q[128 * n + l + 64];
                int q4 = q[128 * n + l + 96];
                y[ql + l] = (byte) ((q1 & 15) | (q3 & 15) << 4);
                y[ql + l + 32] = (byte) ((q2 & 15) | (q4 & 15) << 4);
                y[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
        long r0 = rnd.nextLong();
        long r1 = rnd.nextLong();
        for (int j = 0; j < 16; j++) {
            long r = j < 8 ? r0 : r1;
            y[o + 192 + j] = (byte) (64 + ((r >>> (8 * (j & 7))) & 63));
        }
        SHORT_LE.set(y, o + 208, Float.floatToFloat16((float) (std / (Q6.deviation * SCALE_RMS_64_127))));
    }

    /** Root mean square of the integers 32..63 and 64..127: the scales drawn above. */
    private static final double SCALE_RMS_32_63 = rms(32, 63);
    private static final double SCALE_RMS_64_127 = rms(64, 127);

    private static double rms(int from, int to) {
        double s = 0;
        for (int v = from; v <= to; v++) {
            s += (double) v * v;
        }
        return StrictMath.sqrt(s / (to - from + 1));
    }

    /**
     * Quant levels 0..levels-1 drawn from a normal of the given centre and deviation, by a table
     * indexed with a random byte; the table is symmetric about the centre, so the mean is exact.
     */
    private static final class QuantDraw {
        private final byte[] table = new byte[256];
        final double mean;
        final double deviation;

        QuantDraw(int levels, double centre, double sigma) {
            double sum = 0;
            double squares = 0;
            for (int u = 0; u < 256; u++) {
                double z = inverseNormal((u + 0.5) / 256);
                int level = (int) Math.max(0, Math.min(levels - 1, StrictMath.floor(centre + sigma * z + 0.5)));
                table[u] = (byte) level;
                sum += level;
                squares += (double) level * level;
            }
            mean = sum / 256;
            deviation = StrictMath.sqrt(squares / 256 - mean * mean);
        }

        int level(int u) {
            return table[u];
        }
    }

    private static float[] normalTable(int n) {
        double[] z = new double[n];
        double squares = 0;
        for (int i = 0; i < n / 2; i++) {
            z[i] = inverseNormal((i + 0.5) / n);
            z[n - 1 - i] = -z[i];
            squares += 2 * z[i] * z[i];
        }
        double scale = 1 / StrictMath.sqrt(squares / n);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = (float) (z[i] * scale);
        }
        return t;
    }

    /** The standard normal quantile of p in (0, 1) (Acklam's rational approximation, ~1e-9). */
    static double inverseNormal(double p) {
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
            3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = StrictMath.sqrt(-2 * StrictMath.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -inverseNormal(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
