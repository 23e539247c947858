package dev.mycel.tensor;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Element types of ggml tensors, with the ids used in GGUF files and their block layout.
 *
 * <p>Every known id is listed so that a file with an exotic type can still be described
 * ({@code model info}); {@link #computable()} says which ones the kernels can run.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];
    private static final Set<GgmlType> COMPUTABLE =
            EnumSet.of(F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K);

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Number of elements in one block (1 for plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes one block takes in a file. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether Mycel's kernels can multiply with tensors of this type. */
    public boolean computable() {
        return COMPUTABLE.contains(this);
    }

    /** Bytes taken by {@code elements} values; the count must be a whole number of blocks. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " stores values in blocks of " + blockSize + ", but " + elements
                            + " values is not a whole number of blocks");
        }
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    public static Optional<GgmlType> fromId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /** Parses a name such as {@code q4_k} or {@code Q8_0}, case-insensitively. */
    public static GgmlType parse(String name) {
        for (GgmlType t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tensor type '" + name + "'; known types: "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }

    /** Names of the computable types, for error messages. */
    public static String computableNames() {
        return COMPUTABLE.stream().map(Enum::name).collect(Collectors.joining(", "));
    }
}
