package dev.mycel.model.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Resident memory of this process, read from Linux's /proc (absent elsewhere). */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Peak resident set size ("high water mark") in bytes. */
    public static OptionalLong peakResidentBytes() {
        return statusField("VmHWM:");
    }

    /** Current resident set size in bytes. */
    public static OptionalLong residentBytes() {
        return statusField("VmRSS:");
    }

    private static OptionalLong statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc is not mounted: no reading.
        }
        return OptionalLong.empty();
    }
}
