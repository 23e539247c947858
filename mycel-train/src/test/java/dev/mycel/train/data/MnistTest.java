package dev.mycel.train.data;

import static dev.mycel.train.data.IdxBytes.images;
import static dev.mycel.train.data.IdxBytes.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {
    private static Mnist bundled;

    @BeforeAll
    static void loadOnce() {
        bundled = Mnist.bundled();
    }

    private static Mnist of(byte[] images, byte[] labels) {
        return Mnist.of(IdxFile.parse(images, "images.idx"), "images.idx", IdxFile.parse(labels, "labels.idx"), "labels.idx");
    }

    private static void assertRefused(byte[] images, byte[] labels, String message) {
        assertEquals(message, assertThrows(DatasetFormatException.class, () -> of(images, labels)).getMessage());
    }

    @Test
    void bundledSetHoldsTenThousandDigitsWithTheDocumentedClassCounts() {
        assertEquals(10_000, bundled.size());
        assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, bundled.classCounts());
        assertEquals(10_000, bundled.labels().length);
        assertEquals(10_000 * 784, bundled.rawPixels().length);
    }

    @Test
    void bundledImagesLookLikeDigits() {
        // Ink in the middle, white in the corners, for every image.
        for (int i = 0; i < bundled.size(); i++) {
            assertEquals(0, bundled.pixel(i, 0));
            int ink = 0;
            for (int p = 0; p < Mnist.PIXELS; p++) {
                ink += bundled.pixel(i, p) > 128 ? 1 : 0;
            }
            assertEquals(true, ink > 20, "image " + i + " has " + ink + " dark pixels");
        }
    }

    @Test
    void normalizesEachPixelInFloatInTheDocumentedOrder() {
        for (int p = 0; p < 256; p++) {
            float expected = (p / 255f - 0.1307f) / 0.3081f;
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Mnist.normalize(p)), "pixel " + p);
        }
        assertEquals(-0.42421296f, Mnist.normalize(0));
        assertEquals(2.8214867f, Mnist.normalize(255));
        float[] all = bundled.normalizedPixels();
        float[] image = bundled.normalizedImage(1234);
        for (int p = 0; p < Mnist.PIXELS; p++) {
            assertEquals(Mnist.normalize(bundled.pixel(1234, p)), image[p]);
            assertEquals(image[p], all[1234 * Mnist.PIXELS + p]);
        }
        assertThrows(IllegalArgumentException.class, () -> Mnist.normalize(256));
    }

    @Test
    void splitsIntoTheFirstEightThousandAndTheLastTwoThousand() {
        Mnist.Split split = bundled.split(8000);
        assertEquals(8000, split.train().size());
        assertEquals(2000, split.heldOut().size());
        int[] labels = bundled.labels();
        assertArrayEquals(Arrays.copyOfRange(labels, 0, 8000), split.train().labels());
        assertArrayEquals(Arrays.copyOfRange(labels, 8000, 10000), split.heldOut().labels());
        assertEquals(bundled.pixel(8000, 400), split.heldOut().pixel(0, 400));
        assertArrayEquals(bundled.normalizedImage(9999), split.heldOut().normalizedImage(1999));
        assertThrows(IllegalArgumentException.class, () -> bundled.split(10_001));
    }

    @Test
    void selectsDigitsByIndex() {
        Mnist picked = bundled.select(new int[] {7, 3, 7});
        assertArrayEquals(new int[] {bundled.label(7), bundled.label(3), bundled.label(7)}, picked.labels());
        assertArrayEquals(bundled.normalizedImage(3), picked.normalizedImage(1));
    }

    @Test
    void loadsTheSameDigitsFromAUserFolder(@TempDir Path dir) throws IOException {
        for (String name : new String[] {"images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"}) {
            try (InputStream in = Mnist.class.getResourceAsStream("mnist-10k/" + name)) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        Mnist loaded = Mnist.load(dir);
        assertArrayEquals(bundled.labels(), loaded.labels());
        assertArrayEquals(bundled.rawPixels(), loaded.rawPixels());
    }

    @Test
    void loadsRawFilesUnderAnyName(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), images(3));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(4, 0, 9));
        Mnist m = Mnist.load(dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"));
        assertArrayEquals(new int[] {4, 0, 9}, m.labels());
    }

    @Test
    void namesWhatAUserFolderLacks(@TempDir Path dir) throws IOException {
        assertEquals(dir + ": no images-idx3-ubyte or images-idx3-ubyte.gz in it",
                assertThrows(DatasetFormatException.class, () -> Mnist.load(dir)).getMessage());
        Files.write(dir.resolve("images-idx3-ubyte"), images(1));
        Files.write(dir.resolve("images-idx3-ubyte.gz"), IdxBytes.gzip(images(1)));
        assertEquals(dir + ": holds both images-idx3-ubyte and images-idx3-ubyte.gz;"
                        + " remove one or name the files with Mnist.load(images, labels)",
                assertThrows(DatasetFormatException.class, () -> Mnist.load(dir)).getMessage());
        assertEquals(dir.resolve("nothing") + ": no such directory",
                assertThrows(DatasetFormatException.class, () -> Mnist.load(dir.resolve("nothing"))).getMessage());
    }

    @Test
    void refusesImagesAndLabelsOfDifferentCounts() {
        assertRefused(images(3), labels(1, 2), "images.idx holds 3 images but labels.idx holds 2 labels");
    }

    @Test
    void refusesALabelAboveNine() {
        assertRefused(images(3), labels(1, 10, 2), "labels.idx: label 10 at index 1 is not a digit 0..9");
        assertRefused(images(3), labels(1, 2, 255), "labels.idx: label 255 at index 2 is not a digit 0..9");
    }

    @Test
    void refusesImagesThatAreNot28By28() {
        assertRefused(IdxBytes.idx(0x08, new int[] {2, 28, 27}, new byte[2 * 28 * 27]), labels(1, 2),
                "images.idx: MNIST images must be n x 28 x 28, the file holds 2 x 28 x 27");
        assertRefused(labels(1, 2), labels(1, 2),
                "images.idx: MNIST images must be n x 28 x 28, the file holds 2");
    }

    @Test
    void refusesLabelsOfMoreThanOneDimension() {
        assertRefused(images(2), IdxBytes.idx(0x08, new int[] {2, 1}, new byte[2]),
                "labels.idx: MNIST labels must have one dimension, the file holds 2 x 1");
    }
}
