package dev.mycel.node.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The node's log: java.util.logging, one line per event on stderr, with a local timestamp and
 * the level, e.g. {@code 2025-06-01 12:00:00.123 INFO  peer joined routing table: mcq4x...}.
 */
public final class NodeLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());
    /** Held so that the levels set on them stay (the log manager keeps loggers only weakly). */
    private static Logger grpc;
    private static Logger node;

    private NodeLog() {
    }

    /**
     * Sends every java.util.logging record of this process to stderr at the given level and
     * returns the logger the daemon writes to. That logger is not registered with the log
     * manager, so the log manager's own shutdown hook, which silences registered loggers, leaves
     * it working while the node's shutdown hook logs its last lines.
     */
    public static synchronized Logger configure(Level level) {
        Handler handler = new StderrHandler(System.err);
        handler.setLevel(level);
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(handler);
        root.setLevel(level);
        // gRPC and Netty are chatty below INFO; their details only help at trace level.
        grpc = Logger.getLogger("io.grpc");
        boolean trace = level.intValue() <= Level.FINEST.intValue();
        grpc.setLevel(trace || level.intValue() >= Level.INFO.intValue() ? level : Level.INFO);
        node = Logger.getAnonymousLogger();
        node.setUseParentHandlers(false);
        node.addHandler(handler);
        node.setLevel(level);
        return node;
    }

    /** Formats a record as one line (stack traces, when the level asks for them, follow it). */
    static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(128);
            b.append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ');
            String level = switch (r.getLevel().intValue()) {
                case 1000 -> "ERROR";
                case 900 -> "WARN ";
                case 800 -> "INFO ";
                case 700, 500 -> "DEBUG";
                default -> "TRACE";
            };
            b.append(level).append(' ');
            String logger = r.getLoggerName();
            if (logger != null && !logger.isEmpty()) {
                // Library records say where they come from; the node's own lines need not.
                b.append('[').append(logger.substring(logger.lastIndexOf('.') + 1)).append("] ");
            }
            b.append(formatMessage(r).replace('\n', ' '));
            Throwable t = r.getThrown();
            if (t != null) {
                if (r.getLevel().intValue() <= Level.FINE.intValue() || Logger.getLogger("").isLoggable(Level.FINE)) {
                    StringWriter sw = new StringWriter();
                    t.printStackTrace(new PrintWriter(sw));
                    b.append(System.lineSeparator()).append(sw.toString().stripTrailing());
                } else {
                    b.append(" (").append(t).append(')');
                }
            }
            return b.append(System.lineSeparator()).toString();
        }
    }

    /** Writes and flushes each line at once; closing it (as the log manager does at exit) only flushes. */
    static final class StderrHandler extends Handler {
        private final PrintStream out;

        StderrHandler(PrintStream out) {
            this.out = out;
            setFormatter(new LineFormatter());
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            String line = getFormatter().format(r);
            synchronized (out) {
                out.print(line);
                out.flush();
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
