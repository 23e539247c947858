package dev.mycel.model.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value with its GGUF type. Scalars are held as {@link Long} (all integer types),
 * {@link Float}, {@link Double}, {@link Boolean} or {@link String}; arrays as {@code long[]},
 * {@code float[]}, {@code double[]}, {@code boolean[]} or {@code String[]}, with
 * {@code elementType} saying what the file stored.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, null, s);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    public static GgufValue int32(long v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    public static GgufValue strings(String[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v.clone());
    }

    public static GgufValue floats(float[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v.clone());
    }

    public static GgufValue ints(GgufValueType elementType, long[] v) {
        return new GgufValue(GgufValueType.ARRAY, elementType, v.clone());
    }

    /** Number of elements of an array value, 1 for a scalar. */
    public int length() {
        return switch (value) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            default -> 1;
        };
    }

    /** A short human-readable rendering (arrays are abbreviated). */
    public String describe() {
        if (type != GgufValueType.ARRAY) {
            return type == GgufValueType.STRING ? abbreviate((String) value) : String.valueOf(value);
        }
        String head = switch (value) {
            case long[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 4)));
            case float[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 4)));
            case double[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 4)));
            case boolean[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(a.length, 4)));
            case String[] a -> Arrays.toString(Arrays.stream(a, 0, Math.min(a.length, 4))
                    .map(GgufValue::abbreviate).toArray());
            default -> String.valueOf(value);
        };
        return elementType + "[" + length() + "] " + (length() > 4 ? head.replace("]", ", ...]") : head);
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() > 60 ? oneLine.substring(0, 57) + "..." : oneLine;
    }
}
