package dev.mycel.node.daemon;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Durations as people write them in config files and flags: {@code 500ms}, {@code 30s},
 * {@code 15m}, {@code 2h}, {@code 1d}, or several together ({@code 1h30m}); ISO-8601
 * ({@code PT15M}) is accepted too.
 */
public final class Durations {
    private Durations() {
    }

    /** Parses a duration; the exception's message says what a duration looks like. */
    public static Duration parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw bad(text);
            }
        }
        if (s.isEmpty()) {
            throw bad(text);
        }
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || i - start > 12) {
                throw bad(text);
            }
            long n = Long.parseLong(s.substring(start, i));
            int unitStart = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            Duration part = switch (s.substring(unitStart, i)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw bad(text);
            };
            try {
                total = total.plus(part);
            } catch (ArithmeticException e) {
                throw bad(text);
            }
        }
        return total;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not a duration (write it like 500ms, 30s, 15m, 2h, 1d or 1h30m)");
    }

    /** The shortest form {@link #parse} reads back: {@code 1h30m}, {@code 45s}, {@code 250ms}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms"};
        for (int u = 0; u < sizes.length; u++) {
            if (ms >= sizes[u]) {
                b.append(ms / sizes[u]).append(units[u]);
                ms %= sizes[u];
            }
        }
        return b.toString();
    }

    /** Rounded for people: {@code 3d 4h}, {@code 2h 5m}, {@code 1m 12s}, {@code 40s}. */
    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 86_400) {
            return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
        }
        if (s >= 3600) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        if (s >= 60) {
            return s / 60 + "m " + s % 60 + "s";
        }
        return s + "s";
    }
}
