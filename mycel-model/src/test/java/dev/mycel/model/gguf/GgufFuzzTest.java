package dev.mycel.model.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mycel.model.ModelFormatException;

/**
 * Coverage-guided fuzzing of everything that reads a GGUF file (Jazzer). In a normal build this
 * replays the seed inputs under src/test/resources/.../GgufFuzzTestInputs; to fuzz for real,
 * run with {@code JAZZER_FUZZ=1} (see docs/TESTING.md). Any exception other than
 * {@link ModelFormatException} is a finding.
 */
class GgufFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void readingNeverFailsUncleanly(byte[] data) {
        try {
            GgufMutationTest.readEverything(data);
        } catch (ModelFormatException expected) {
            // a clean rejection
        }
    }
}
