package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * A bug reaches the user as one line pointing at MYCEL_DEBUG; the stack trace comes only when
 * MYCEL_DEBUG is set (the launcher passes its presence as {@code debug}).
 */
class InternalErrorReportTest {
    private record Report(int exitCode, String err) {
    }

    private static Report report(Exception e, boolean debug) {
        StringWriter s = new StringWriter();
        int code = Main.report(e, new PrintWriter(s), debug);
        return new Report(code, s.toString().strip());
    }

    @Test
    void internalErrorIsOneLineWithoutDebug() {
        Report r = report(new IllegalStateException("the cache is in a state it cannot be in"), false);
        assertEquals(1, r.exitCode());
        assertEquals("mycel: internal error: the cache is in a state it cannot be in (set MYCEL_DEBUG=1 for details)",
                r.err());
    }

    @Test
    void internalErrorKeepsItsStackTraceWithDebug() {
        Report r = report(new IllegalStateException("the cache is in a state it cannot be in"), true);
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("mycel: internal error: the cache is in a state it cannot be in\n"), r.err());
        assertFalse(r.err().contains("MYCEL_DEBUG"), "with debug on, the hint to turn it on is noise: " + r.err());
        assertTrue(r.err().contains("java.lang.IllegalStateException") && r.err().contains("\tat dev.mycel.node.cli."),
                r.err());
    }

    @Test
    void userErrorsStayOneLineAndDebugAddsTheirTrace() {
        Report plain = report(new IllegalArgumentException("--threads must be at least 1"), false);
        assertEquals(2, plain.exitCode());
        assertEquals("mycel: error: --threads must be at least 1", plain.err());
        Report debug = report(new IllegalArgumentException("--threads must be at least 1"), true);
        assertTrue(debug.err().lines().count() > 1 && debug.err().contains("\tat "), debug.err());
    }
}
