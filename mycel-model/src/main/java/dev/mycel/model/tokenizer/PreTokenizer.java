package dev.mycel.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a piece of text into words before BPE merging, so that merges never cross a word boundary
 * (for example a space and the letter after it may merge, two words may not). It is a sequence of
 * steps, each applied to every piece the previous step produced.
 *
 * <p>Regex steps follow Hugging Face's {@code Split} pre-tokenizer: the matches and the text between
 * them both become pieces (with the "isolated" behaviour), which is also how llama.cpp applies its
 * list of regexes for a {@code tokenizer.ggml.pre} type.
 */
final class PreTokenizer {
    /** What a split does with the matched text, as in Hugging Face's {@code SplitDelimiterBehavior}. */
    enum Behavior {
        ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS
    }

    /** When a Metaspace step puts the replacement character in front of a piece. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER
    }

    sealed interface Step permits RegexSplit, Metaspace, PrefixSpace {
    }

    /**
     * Splits on a regex.
     *
     * @param llamaCppWhitespace match as llama.cpp does: its regexes see every non-ASCII whitespace
     *                           character as U+000B, so a plain {@code \s} means Unicode whitespace, while
     *                           a character class naming, say, U+3000 never matches it
     */
    record RegexSplit(Pattern pattern, Behavior behavior, boolean invert, boolean llamaCppWhitespace) implements Step {
    }

    /** Hugging Face's Metaspace: spaces become a visible character (usually '▁'), optionally prepended. */
    record Metaspace(char replacement, PrependScheme scheme, boolean split) implements Step {
    }

    /** Hugging Face's ByteLevel {@code add_prefix_space}: a piece that does not start with a space gets one. */
    record PrefixSpace() implements Step {
    }

    private final List<Step> steps;

    PreTokenizer(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /** llama.cpp-style regex steps, each isolating its matches. */
    static PreTokenizer llamaCpp(List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String regex : regexes) {
            steps.add(new RegexSplit(Pattern.compile(regex), Behavior.ISOLATED, false, true));
        }
        return new PreTokenizer(steps);
    }

    /**
     * The words of a text fragment, in order; never empty strings.
     *
     * @param firstFragment whether this fragment starts the input (not after a special token), which a
     *                      Metaspace step with the "first" scheme needs to know
     */
    List<String> split(String text, boolean firstFragment) {
        List<String> pieces = new ArrayList<>();
        if (text.isEmpty()) {
            return pieces;
        }
        pieces.add(text);
        for (Step step : steps) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (int i = 0; i < pieces.size(); i++) {
                String piece = pieces.get(i);
                switch (step) {
                    case RegexSplit r -> splitRegex(piece, r, next);
                    case Metaspace m -> metaspace(piece, m, firstFragment && i == 0, next);
                    case PrefixSpace p -> next.add(piece.startsWith(" ") ? piece : " " + piece);
                }
            }
            pieces = next;
        }
        return pieces;
    }

    private static void splitRegex(String piece, RegexSplit step, List<String> out) {
        String subject = step.llamaCppWhitespace() ? maskNonAsciiWhitespace(piece) : piece;
        Matcher m = step.pattern().matcher(subject);
        // Alternating ranges: [start, end, isMatch] for the matches and the gaps between them.
        List<int[]> ranges = new ArrayList<>();
        int prev = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue; // an empty match cuts nothing
            }
            if (m.start() > prev) {
                ranges.add(new int[] {prev, m.start(), 0});
            }
            ranges.add(new int[] {m.start(), m.end(), 1});
            prev = m.end();
        }
        if (prev < piece.length()) {
            ranges.add(new int[] {prev, piece.length(), 0});
        }
        if (step.invert()) {
            for (int[] r : ranges) {
                r[2] ^= 1;
            }
        }
        for (int[] r : applyBehavior(ranges, step.behavior())) {
            if (r[1] > r[0]) {
                out.add(piece.substring(r[0], r[1]));
            }
        }
    }

    /** Hugging Face's rules for turning matches and gaps into pieces. */
    private static List<int[]> applyBehavior(List<int[]> ranges, Behavior behavior) {
        List<int[]> out = new ArrayList<>(ranges.size());
        switch (behavior) {
            case ISOLATED -> out.addAll(ranges);
            case REMOVED -> ranges.stream().filter(r -> r[2] == 0).forEach(out::add);
            case MERGED_WITH_PREVIOUS -> {
                boolean previousMatch = false;
                for (int[] r : ranges) {
                    if (r[2] == 1 && !previousMatch && !out.isEmpty()) {
                        out.getLast()[1] = r[1];
                    } else {
                        out.add(new int[] {r[0], r[1], 0});
                    }
                    previousMatch = r[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previousMatch = false;
                List<int[]> reversed = new ArrayList<>();
                for (int i = ranges.size() - 1; i >= 0; i--) {
                    int[] r = ranges.get(i);
                    if (r[2] == 1 && !previousMatch && !reversed.isEmpty()) {
                        reversed.getLast()[0] = r[0];
                    } else {
                        reversed.add(new int[] {r[0], r[1], 0});
                    }
                    previousMatch = r[2] == 1;
                }
                out.addAll(reversed.reversed());
            }
            case CONTIGUOUS -> {
                boolean previousMatch = false;
                for (int[] r : ranges) {
                    if ((r[2] == 1) == previousMatch && !out.isEmpty()) {
                        out.getLast()[1] = r[1];
                    } else {
                        out.add(new int[] {r[0], r[1], 0});
                    }
                    previousMatch = r[2] == 1;
                }
            }
        }
        return out;
    }

    private static void metaspace(String piece, Metaspace step, boolean atStart, List<String> out) {
        String replaced = piece.replace(' ', step.replacement());
        boolean prepend = switch (step.scheme()) {
            case ALWAYS -> true;
            case FIRST -> atStart;
            case NEVER -> false;
        };
        if (prepend && replaced.charAt(0) != step.replacement()) {
            replaced = step.replacement() + replaced;
        }
        if (!step.split()) {
            out.add(replaced);
            return;
        }
        int start = 0;
        for (int i = 1; i < replaced.length(); i++) {
            if (replaced.charAt(i) == step.replacement()) {
                out.add(replaced.substring(start, i));
                start = i;
            }
        }
        out.add(replaced.substring(start));
    }

    /** Non-ASCII whitespace as U+000B, keeping every offset (all such characters are in the BMP). */
    private static String maskNonAsciiWhitespace(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && isUnicodeWhitespace(c)) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = '\u000B';
            }
        }
        return chars == null ? text : new String(chars);
    }

    /** The Unicode White_Space property for characters from U+0080 up. */
    private static boolean isUnicodeWhitespace(char c) {
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}
