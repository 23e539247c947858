package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever bytes an IDX file holds, reading it (and using it as MNIST images or
 * labels) either succeeds or fails with a {@link DatasetFormatException}: never another
 * exception, never an out-of-memory error. Mutations are seeded, so a failure is reproducible
 * from the printed seed.
 */
class IdxMutationTest {
    private static final int CASES = 3000;

    @Test
    void mutatedRawIdxFilesFailCleanly() {
        run(IdxBytes.images(2), CASES, 21);
        run(IdxBytes.labels(3, 1, 4, 1, 5, 9, 2, 6), CASES, 22);
    }

    @Test
    void mutatedGzipIdxFilesFailCleanly() {
        run(IdxBytes.gzip(IdxBytes.images(2)), CASES, 23);
        run(IdxBytes.gzip(IdxBytes.labels(3, 1, 4, 1, 5, 9, 2, 6)), CASES, 24);
    }

    private static void run(byte[] original, int cases, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < cases; c++) {
            long caseSeed = random.nextLong();
            byte[] b = mutate(original, new SplittableRandom(caseSeed));
            try {
                readEverything(b);
            } catch (DatasetFormatException expected) {
                // the clean failure
            } catch (Throwable t) {
                fail("mutation seed " + caseSeed + " gave " + t, t);
            }
        }
    }

    /** Reads the bytes as an IDX file, then as MNIST images or labels beside a valid partner. */
    static void readEverything(byte[] b) {
        IdxFile f = IdxFile.parse(b, "mutant.idx");
        if (f.rank() == 3) {
            IdxFile labels = IdxFile.parse(IdxBytes.idx(0x08, new int[] {f.dim(0)}, new byte[f.dim(0)]), "labels");
            Mnist m = Mnist.of(f, "mutant.idx", labels, "labels");
            m.normalizedPixels();
            m.classCounts();
        } else if (f.rank() == 1 && f.dim(0) <= 1000) {
            IdxFile images = IdxFile.parse(IdxBytes.images(f.dim(0)), "images");
            Mnist.of(images, "images", f, "mutant.idx").split(f.dim(0) / 2);
        }
    }

    private static byte[] mutate(byte[] original, SplittableRandom r) {
        byte[] b = original.clone();
        int kind = r.nextInt(6);
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(b.length);
            switch (kind) {
                case 0 -> b[at] = (byte) r.nextInt(256);                        // random byte
                case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));                 // bit flip
                case 2 -> {                                                    // a huge, negative or small big-endian int32
                    int v = switch (r.nextInt(4)) {
                        case 0 -> -1;
                        case 1 -> Integer.MAX_VALUE;
                        case 2 -> 1 << r.nextInt(31);
                        default -> r.nextInt(-2, 64);
                    };
                    for (int i = 0; i < 4 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (24 - 8 * i));
                    }
                }
                case 3 -> {                                                    // a magic or type byte
                    b[r.nextInt(Math.min(4, b.length))] = (byte) r.nextInt(16);
                }
                case 4 -> {                                                    // bytes appended
                    byte[] longer = Arrays.copyOf(b, b.length + 1 + r.nextInt(16));
                    for (int i = b.length; i < longer.length; i++) {
                        longer[i] = (byte) r.nextInt(256);
                    }
                    return longer;
                }
                default -> {                                                   // truncation
                    return Arrays.copyOf(b, r.nextInt(b.length));
                }
            }
        }
        return b;
    }
}
