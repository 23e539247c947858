package dev.mycel.train.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Handwritten digits: 28×28 images of 8-bit grey with their labels 0..9, as read from a pair of
 * IDX files. Immutable; {@link #split} and {@link #select} make new sets.
 *
 * <p>{@link #bundled()} is a 10,000-digit subset of MNIST shipped in this jar (see
 * {@code mnist-10k/README.md} beside this class for where it comes from); {@link #load} reads
 * the full MNIST or any other set in the same format from a user's files.
 */
public final class Mnist {
    public static final int ROWS = 28;
    public static final int COLUMNS = 28;
    public static final int PIXELS = ROWS * COLUMNS;
    public static final int CLASSES = 10;
    /** The mean of MNIST's training pixels on the 0..1 scale, as everyone normalizes with. */
    public static final float MEAN = 0.1307f;
    /** The standard deviation of MNIST's training pixels on the 0..1 scale. */
    public static final float STD = 0.3081f;

    /** The file names {@link #load(Path)} looks for, each raw or with {@code .gz}. */
    public static final String IMAGES_FILE = "images-idx3-ubyte";
    public static final String LABELS_FILE = "labels-idx1-ubyte";

    private static final String BUNDLED = "mnist-10k/";
    // The bundled gzip files are 1.6 MB; anything much bigger on the class path is not them.
    private static final long BUNDLED_LIMIT = 64L << 20;

    /** {@link #normalize(int)} of every byte value, so that images convert by lookup. */
    private static final float[] NORMALIZED = new float[256];

    static {
        for (int p = 0; p < 256; p++) {
            NORMALIZED[p] = (p / 255f - MEAN) / STD;
        }
    }

    private final byte[] pixels;
    private final byte[] labels;

    private Mnist(byte[] pixels, byte[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /** The 10,000 digits bundled in this jar. */
    public static Mnist bundled() {
        String images = IMAGES_FILE + ".gz";
        String labels = LABELS_FILE + ".gz";
        return checked(IdxFile.parse(DataFiles.resource(BUNDLED + images, BUNDLED_LIMIT), images), images,
                IdxFile.parse(DataFiles.resource(BUNDLED + labels, BUNDLED_LIMIT), labels), labels);
    }

    /**
     * Reads {@code images-idx3-ubyte} and {@code labels-idx1-ubyte} (each raw or with
     * {@code .gz}) from {@code dir}, the layout of the bundled set. For other names, such as
     * MNIST's own {@code train-images-idx3-ubyte.gz}, use {@link #load(Path, Path)}.
     */
    public static Mnist load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetFormatException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
        }
        return load(find(dir, IMAGES_FILE), find(dir, LABELS_FILE));
    }

    /** Reads an images file and its labels file, each raw or gzip-compressed. */
    public static Mnist load(Path images, Path labels) {
        return checked(IdxFile.read(images), images.toString(), IdxFile.read(labels), labels.toString());
    }

    /**
     * Checks that two IDX tensors are MNIST images and their labels: images {@code n × 28 × 28},
     * labels {@code n} (the same n), every label 0..9.
     *
     * <p>The set holds copies of the tensors' data, so it stays as checked whatever happens to them.
     *
     * @throws DatasetFormatException naming the file at fault
     */
    public static Mnist of(IdxFile images, String imagesName, IdxFile labels, String labelsName) {
        Mnist m = checked(images, imagesName, labels, labelsName);
        return new Mnist(m.pixels.clone(), m.labels.clone());
    }

    /** {@link #of} without the copies, for tensors this class read itself and shares with no one. */
    private static Mnist checked(IdxFile images, String imagesName, IdxFile labels, String labelsName) {
        if (images.rank() != 3 || images.dim(1) != ROWS || images.dim(2) != COLUMNS) {
            throw new DatasetFormatException(imagesName + ": MNIST images must be n x 28 x 28, the file holds "
                    + images.describeDims());
        }
        if (labels.rank() != 1) {
            throw new DatasetFormatException(labelsName + ": MNIST labels must have one dimension, the file holds "
                    + labels.describeDims());
        }
        if (images.dim(0) != labels.dim(0)) {
            throw new DatasetFormatException(imagesName + " holds " + images.dim(0) + " images but "
                    + labelsName + " holds " + labels.dim(0) + " labels");
        }
        byte[] l = labels.data();
        for (int i = 0; i < l.length; i++) {
            if ((l[i] & 0xFF) >= CLASSES) {
                throw new DatasetFormatException(labelsName + ": label " + (l[i] & 0xFF) + " at index " + i
                        + " is not a digit 0..9");
            }
        }
        return new Mnist(images.data(), l);
    }

    /** The number of digits. */
    public int size() {
        return labels.length;
    }

    /** The label of digit {@code i}, 0..9. */
    public int label(int i) {
        return labels[i];
    }

    /** Every label, in order (a new array). */
    public int[] labels() {
        int[] out = new int[labels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = labels[i];
        }
        return out;
    }

    /** How many digits of each class 0..9 the set holds. */
    public int[] classCounts() {
        int[] counts = new int[CLASSES];
        for (byte l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /** Pixel {@code p} (row-major, 0..783) of image {@code i}, 0 (white) to 255 (black ink). */
    public int pixel(int i, int p) {
        return pixels[checkedImage(i) * PIXELS + checkedPixel(p)] & 0xFF;
    }

    /** Every image's 784 raw pixels in order, one unsigned byte each (a new array). */
    public byte[] rawPixels() {
        return pixels.clone();
    }

    /**
     * One pixel value normalized as MNIST models expect: {@code (pixel / 255f - 0.1307f) / 0.3081f},
     * in float, in exactly that order (divide, subtract, divide, each rounded to float). Java's
     * float arithmetic is IEEE 754 everywhere, so the bits are the same on every machine; 0
     * becomes -0.42421296 and 255 becomes 2.8214867.
     */
    public static float normalize(int pixel) {
        if (pixel < 0 || pixel > 255) {
            throw new IllegalArgumentException("pixel " + pixel + " is outside 0..255");
        }
        return NORMALIZED[pixel];
    }

    /** Image {@code i}'s 784 pixels, {@link #normalize normalized}. */
    public float[] normalizedImage(int i) {
        float[] out = new float[PIXELS];
        normalizedImage(i, out, 0);
        return out;
    }

    /** Writes image {@code i}'s 784 {@link #normalize normalized} pixels into {@code out} at {@code offset}. */
    public void normalizedImage(int i, float[] out, int offset) {
        int from = checkedImage(i) * PIXELS;
        for (int p = 0; p < PIXELS; p++) {
            out[offset + p] = NORMALIZED[pixels[from + p] & 0xFF];
        }
    }

    /** All images {@link #normalize normalized}, image after image: {@code size() * 784} floats. */
    public float[] normalizedPixels() {
        float[] out = new float[pixels.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = NORMALIZED[pixels[k] & 0xFF];
        }
        return out;
    }

    /**
     * The first {@code firstCount} digits and the rest, in their order: {@code split(8000)} on the
     * bundled set gives 8,000 for training and the last 2,000 held out.
     */
    public Split split(int firstCount) {
        if (firstCount < 0 || firstCount > size()) {
            throw new IllegalArgumentException("cannot split " + size() + " digits after " + firstCount);
        }
        return new Split(range(0, firstCount), range(firstCount, size()));
    }

    /** The digits at {@code indices}, in that order (a partition's client data, a batch). */
    public Mnist select(int[] indices) {
        byte[] p = new byte[indices.length * PIXELS];
        byte[] l = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = checkedImage(indices[k]);
            System.arraycopy(pixels, i * PIXELS, p, k * PIXELS, PIXELS);
            l[k] = labels[i];
        }
        return new Mnist(p, l);
    }

    private Mnist range(int from, int to) {
        return new Mnist(Arrays.copyOfRange(pixels, from * PIXELS, to * PIXELS), Arrays.copyOfRange(labels, from, to));
    }

    private int checkedImage(int i) {
        if (i < 0 || i >= labels.length) {
            throw new IndexOutOfBoundsException("digit " + i + " of " + labels.length);
        }
        return i;
    }

    private static int checkedPixel(int p) {
        if (p < 0 || p >= PIXELS) {
            throw new IndexOutOfBoundsException("pixel " + p + " of " + PIXELS);
        }
        return p;
    }

    private static Path find(Path dir, String base) {
        Path raw = dir.resolve(base);
        Path gz = dir.resolve(base + ".gz");
        boolean hasRaw = Files.isRegularFile(raw);
        boolean hasGz = Files.isRegularFile(gz);
        if (hasRaw && hasGz) {
            throw new DatasetFormatException(dir + ": holds both " + base + " and " + base
                    + ".gz; remove one or name the files with Mnist.load(images, labels)");
        }
        if (!hasRaw && !hasGz) {
            throw new DatasetFormatException(dir + ": no " + base + " or " + base + ".gz in it");
        }
        return hasRaw ? raw : gz;
    }

    /** A set cut in two: the first part (for training) and the rest (held out). */
    public record Split(Mnist train, Mnist heldOut) {
    }
}
