package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Native memory for {@link QuantizedMatrix} tiles, freed when an arena closes.
 *
 * <p>On Linux the memory comes straight from {@code mmap}, advised to use transparent huge pages
 * ({@code madvise(MADV_HUGEPAGE)}, where the system leaves that to the application as it
 * usually does) and faulted in by the kernel in one call ({@code MADV_POPULATE_WRITE}). Two
 * things make this worth a page of FFM code. Tiles are read from beginning to end for every
 * token, gigabytes of them, and with 4 KB pages that costs a TLB miss every 4 KB; 2 MB pages
 * take that away. And new memory is slow to touch the first time: {@link Arena#allocate}, which
 * fills it with zeros page by page, took two seconds for the 1.3 GB of a Q8_0 1B model, and
 * faulting huge pages in one by one as they are written was slower still, where populating
 * them in one call took 0.1 to 0.7 s (measured on a 2-core VM).
 *
 * <p>Elsewhere, or if any of it fails, the memory comes from the arena as usual.
 */
final class TileMemory {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_POPULATE_WRITE = 23;
    /** Huge page size: mappings are aligned to it so that all of them can use huge pages. */
    private static final long HUGE_PAGE = 2L << 20;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            } catch (RuntimeException | Error e) {
                // No native access (or no such functions): the arena's own memory will do.
                mmap = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private TileMemory() {
    }

    /**
     * {@code bytes} bytes of memory, 64-byte aligned, whose content the caller overwrites, freed
     * when {@code arena} closes (or, for an automatic arena, becomes unreachable).
     */
    static MemorySegment allocate(Arena arena, long bytes) {
        if (MMAP != null && bytes >= HUGE_PAGE) {
            try {
                long length = bytes + HUGE_PAGE;
                MemorySegment mapped = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length,
                        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
                long address = mapped.address();
                if (address != -1L) {
                    long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
                    // Advice only: if the system refuses, the memory still works with small pages,
                    // or (before Linux 5.14, without MADV_POPULATE_WRITE) is faulted in as it is written.
                    int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(aligned), bytes, MADV_HUGEPAGE);
                    ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(aligned), bytes, MADV_POPULATE_WRITE);
                    return MemorySegment.ofAddress(aligned).reinterpret(bytes, arena, s -> unmap(address, length));
                }
            } catch (Throwable e) {
                // Fall through to the arena.
            }
        }
        return arena.allocate(bytes, 64);
    }

    private static void unmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
