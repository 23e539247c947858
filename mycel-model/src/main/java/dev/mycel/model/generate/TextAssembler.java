package dev.mycel.model.generate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the bytes of generated tokens into text that is safe to show as it arrives: a UTF-8
 * character split across tokens is held until complete, and text that could be the start of a
 * stop sequence is held until it is clear whether the sequence follows.
 */
final class TextAssembler {
    private final List<String> stops;
    private final ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    TextAssembler(List<String> stops) {
        this.stops = stops;
    }

    /**
     * Adds a token's bytes and returns the newly safe text (possibly empty). After a stop
     * sequence appears, {@link #stopped()} is true and nothing more is returned.
     */
    String add(byte[] bytes) {
        if (stopped) {
            return "";
        }
        pendingBytes.writeBytes(bytes);
        byte[] all = pendingBytes.toByteArray();
        int complete = completePrefix(all);
        text.append(new String(all, 0, complete, StandardCharsets.UTF_8));
        pendingBytes.reset();
        pendingBytes.write(all, complete, all.length - complete);
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, emitted - s.length()));
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
            return flushTo(text.length());
        }
        return flushTo(text.length() - heldBack());
    }

    /** Whatever is still held at the end (an incomplete character is dropped as invalid). */
    String finish() {
        if (!stopped && pendingBytes.size() > 0) {
            text.append(new String(pendingBytes.toByteArray(), StandardCharsets.UTF_8));
            pendingBytes.reset();
        }
        return flushTo(text.length());
    }

    boolean stopped() {
        return stopped;
    }

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

    /** Length of the longest tail of the text that is a proper prefix of a stop sequence. */
    private int heldBack() {
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length() - emitted); len > hold; len--) {
                if (text.substring(text.length() - len).equals(s.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }

    /** Bytes of {@code b} that form complete UTF-8 sequences (the rest may still be completed). */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // Look back at most 3 bytes for the start of an unfinished sequence.
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int c = b[i] & 0xff;
            if ((c & 0xc0) == 0x80) {
                continue; // continuation byte
            }
            int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            return n - i < need ? i : n;
        }
        return n;
    }
}
