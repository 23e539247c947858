package dev.mycel.train.data;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of everything that reads an IDX file (Jazzer). In a normal build this
 * replays the seed inputs under src/test/resources/.../IdxFuzzTestInputs; to fuzz for real, run
 * with {@code JAZZER_FUZZ=1} (see docs/TESTING.md). Any exception other than
 * {@link DatasetFormatException} is a finding.
 */
class IdxFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void readingNeverFailsUncleanly(byte[] data) {
        try {
            IdxMutationTest.readEverything(data);
        } catch (DatasetFormatException expected) {
            // a clean rejection
        }
    }
}
