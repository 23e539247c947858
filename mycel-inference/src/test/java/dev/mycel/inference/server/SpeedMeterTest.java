package dev.mycel.inference.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

public class SpeedMeterTest {
    /** The meter's window, for tests elsewhere that fill it. */
    public static int window() {
        return SpeedMeter.WINDOW;
    }

    @Test
    void nothingRecordedIsNoSpeed() {
        assertEquals(0, new SpeedMeter().blocksPerSecond());
    }

    @Test
    void theMedianStepIsAnnouncedSoOneSlowStepMovesNothing() {
        SpeedMeter m = new SpeedMeter();
        m.record(4, 4_000_000); // 1 ms a block
        m.record(4, 4_000_000);
        m.record(4, 400_000_000); // a garbage collection
        assertEquals(1000, m.blocksPerSecond(), 1e-9);
        m.record(2, 1_000_000); // 0.5 ms a block: of 0.5, 1, 1 and 100 ms, the middle two are both 1 ms
        assertEquals(1e9 / 1_000_000, m.blocksPerSecond(), 1e-9);
    }

    @Test
    void onlyTheLastWindowOfStepsCounts() {
        SpeedMeter m = new SpeedMeter();
        for (int i = 0; i < SpeedMeter.WINDOW; i++) {
            m.record(1, 10_000_000); // 100 blocks/s
        }
        assertEquals(100, m.blocksPerSecond(), 1e-9);
        for (int i = 0; i < SpeedMeter.WINDOW / 2 + 1; i++) {
            m.record(1, 1_000_000); // the machine got quieter: 1000 blocks/s
        }
        assertEquals(1000, m.blocksPerSecond(), 1e-9);
    }

    @Test
    void emptyOrInstantStepsAreIgnored() {
        SpeedMeter m = new SpeedMeter();
        m.record(0, 5_000);
        m.record(3, 0);
        assertEquals(0, m.blocksPerSecond());
    }
}
