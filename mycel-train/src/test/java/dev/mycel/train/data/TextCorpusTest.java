package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
    @Test
    void splitsShakespeareNinetyTenAsNanoGptDoes() {
        TextCorpus corpus = TextCorpus.bundledShakespeare();
        assertEquals(1_115_394, corpus.tokens().length());
        // nanoGPT's shakespeare_char: train has 1,003,854 tokens, val 111,540
        assertEquals(1_003_854, corpus.train().length());
        assertEquals(111_540, corpus.validation().length());
        assertEquals(corpus.tokens().get(1_003_853), corpus.train().get(1_003_853));
        assertEquals(corpus.tokens().get(1_003_854), corpus.validation().get(0));
    }

    @Test
    void splitsSmallTextsByTheFloorOfNineTenths() {
        for (int n = 1; n <= 200; n++) {
            TextCorpus c = TextCorpus.fromText("t", "x".repeat(n));
            assertEquals((int) (n * 0.9), c.trainLength(), "n = " + n);
            assertEquals(n, c.train().length() + c.validation().length());
        }
    }

    @Test
    void loadsAUtf8FileKeepingEveryCharacter(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("t.txt");
        String text = "\uFEFFzoë 🦊\r\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
        TextCorpus c = TextCorpus.load(file);
        assertEquals(file.toString(), c.name());
        assertEquals(text, c.tokenizer().decode(c.tokens().toArray()));
        assertEquals(8, c.tokenizer().vocabularySize());
    }

    @Test
    void refusesInvalidUtf8NamingTheByte(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.txt");
        Files.write(file, new byte[] {'a', 'b', (byte) 0xC3, '(', 'c'});
        assertEquals(file + ": invalid UTF-8 at byte 2 (C3)",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(file)).getMessage());
        Files.write(file, new byte[] {'a', (byte) 0xE2, (byte) 0x82});
        assertEquals(file + ": invalid UTF-8 at byte 1 (E2 82)",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(file)).getMessage());
        // An encoded surrogate (CESU-8) is not UTF-8.
        Files.write(file, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
        assertEquals(file + ": invalid UTF-8 at byte 0 (ED A0 80)",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(file)).getMessage());
    }

    @Test
    void refusesAnEmptyOrMissingFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("empty.txt");
        Files.write(file, new byte[0]);
        assertEquals(file + ": empty file, no text to learn from",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(file)).getMessage());
        assertEquals(dir.resolve("no.txt") + ": no such file",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(dir.resolve("no.txt"))).getMessage());
        assertEquals(dir + ": not a regular file",
                assertThrows(DatasetFormatException.class, () -> TextCorpus.load(dir)).getMessage());
    }

    @Test
    void encodesTheTextWithItsOwnTokenizer() {
        TextCorpus c = TextCorpus.fromText("t", "abracadabra");
        assertArrayEquals(c.tokenizer().encode("abracadabra"), c.tokens().toArray());
    }
}
