package dev.mycel.model.safetensors;

import dev.mycel.tensor.GgmlType;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The element types a safetensors header may name. All are known so that a file's layout can be
 * checked whatever it holds; only F32, F16 and BF16 have a {@link GgmlType} that Mycel computes
 * with.
 */
public enum SafetensorsDtype {
    BOOL(8, null),
    F4(4, null),
    F6_E2M3(6, null),
    F6_E3M2(6, null),
    U8(8, null),
    I8(8, null),
    F8_E5M2(8, null),
    F8_E4M3(8, null),
    F8_E8M0(8, null),
    I16(16, null),
    U16(16, null),
    F16(16, GgmlType.F16),
    BF16(16, GgmlType.BF16),
    I32(32, null),
    U32(32, null),
    F32(32, GgmlType.F32),
    F64(64, null),
    I64(64, null),
    U64(64, null);

    private final int bits;
    private final GgmlType ggmlType;

    SafetensorsDtype(int bits, GgmlType ggmlType) {
        this.bits = bits;
        this.ggmlType = ggmlType;
    }

    /** Bits per element (4 and 6 for the packed sub-byte float formats). */
    public int bits() {
        return bits;
    }

    /** The ggml type with the same element layout, if Mycel can compute with it. */
    public Optional<GgmlType> ggmlType() {
        return Optional.ofNullable(ggmlType);
    }

    /**
     * Bytes taken by {@code elements} values, or -1 when that is not a whole number of bytes or
     * does not fit in a long.
     */
    public long byteSize(long elements) {
        try {
            long totalBits = Math.multiplyExact(elements, (long) bits);
            return totalBits % 8 == 0 ? totalBits / 8 : -1;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** The dtype named exactly {@code name} (names are upper case in the format), if any. */
    public static Optional<SafetensorsDtype> parse(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The dtype that stores values of a ggml type, for F32, F16 and BF16. */
    public static SafetensorsDtype of(GgmlType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalArgumentException("safetensors has no dtype for ggml type " + type);
        };
    }

    /** Names of the dtypes Mycel computes with, for messages. */
    public static String supportedNames() {
        return Stream.of(F32, F16, BF16).map(Enum::name).collect(Collectors.joining(", "));
    }
}
