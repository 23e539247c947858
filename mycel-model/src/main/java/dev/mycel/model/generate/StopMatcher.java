package dev.mycel.model.generate;

import java.util.List;

/**
 * Watches generated text for stop sequences. Text that could be the start of a stop sequence
 * is held back until it is clear whether the sequence follows, so a caller that shows text as
 * it arrives never shows part of a stop sequence.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /**
     * Adds generated text and returns the part that is now safe to show (possibly empty). Once
     * a stop sequence appears, the text is cut before it, {@link #stopped()} turns true, and
     * nothing more is returned.
     */
    String add(String piece) {
        if (stopped || piece.isEmpty()) {
            return "";
        }
        text.append(piece);
        int cut = -1;
        for (String s : stops) {
            // Nothing shown can start a stop sequence (it would have been held back), so search
            // only the unshown tail.
            int at = text.indexOf(s, emitted);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
            return flushTo(cut);
        }
        return flushTo(text.length() - heldBack());
    }

    /** Releases whatever was held back, at the end of generation. */
    String finish() {
        return flushTo(text.length());
    }

    boolean stopped() {
        return stopped;
    }

    /** All text so far, without a matched stop sequence. */
    String text() {
        return text.toString();
    }

    private String flushTo(int end) {
        if (end <= emitted) {
            return "";
        }
        String out = text.substring(emitted, end);
        emitted = end;
        return out;
    }

    /** Length of the longest unshown tail that is a proper prefix of some stop sequence. */
    private int heldBack() {
        int hold = 0;
        int tail = text.length() - emitted;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, tail); len > hold; len--) {
                if (text.substring(text.length() - len).equals(s.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }
}
