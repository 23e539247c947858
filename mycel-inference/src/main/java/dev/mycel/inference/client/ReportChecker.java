package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Reads the reports filed against a server before a client first uses it, and believes only
 * those it has checked itself ({@link DisputeJudge}): a server proven to have lied is avoided
 * without ever being asked anything; a report that turns out false discredits its reporter,
 * whose reports are ignored from then on. An honest server therefore never ends up avoided,
 * whatever is filed against it: a false report cannot carry its signature on a wrong output.
 * A server found clean is looked up again after {@link #RECHECK}.
 */
public final class ReportChecker implements Predicate<ServerEntry> {
    static final Duration RECHECK = Duration.ofMinutes(10);
    private final ServerDirectory directory;
    private final DisputeJudge judge;
    private final Consumer<String> events;
    private final LongSupplier nanoClock;
    private final Set<PeerId> liars = new HashSet<>();
    private final Set<PeerId> falseReporters = new HashSet<>();
    private final Map<PeerId, Long> cleanUntil = new HashMap<>();

    public ReportChecker(ServerDirectory directory, DisputeJudge judge, Consumer<String> events) {
        this(directory, judge, events, System::nanoTime);
    }

    ReportChecker(ServerDirectory directory, DisputeJudge judge, Consumer<String> events, LongSupplier nanoClock) {
        this.directory = directory;
        this.judge = judge;
        this.events = events;
        this.nanoClock = nanoClock;
    }

    /** True unless a report that {@code server} lied checks out. */
    @Override
    public synchronized boolean test(ServerEntry server) {
        PeerId p = server.peer();
        if (liars.contains(p)) {
            return false;
        }
        long now = nanoClock.getAsLong();
        Long until = cleanUntil.get(p);
        if (until != null && now - until < 0) {
            return true;
        }
        for (ServerDirectory.Report r : directory.reports(p)) {
            if (falseReporters.contains(r.reporter()) || r.reporter().equals(p)) {
                continue;
            }
            DisputeJudge.Verdict v;
            try {
                v = judge.judge(p, r.proof());
            } catch (RuntimeException e) {
                events.accept("could not check a report against " + server + ": " + e.getMessage());
                continue;
            }
            switch (v) {
                case ACCUSED_LIED -> {
                    events.accept("a report by " + r.reporter().shortString() + " proves that " + server + " lied "
                            + "(checked here: blocks " + r.proof().getFirst() + ".." + (r.proof().getEnd() - 1)
                            + " at position " + r.proof().getPosition() + ")");
                    liars.add(p);
                    return false;
                }
                case REPORT_FALSE -> {
                    events.accept("a report by " + r.reporter().shortString() + " against " + server
                            + " is false; that reporter's reports are ignored from now on");
                    falseReporters.add(r.reporter());
                }
                case UNPROVEN -> events.accept("a report by " + r.reporter().shortString() + " against " + server
                        + " proves nothing; ignored");
            }
        }
        cleanUntil.put(p, now + RECHECK.toNanos());
        return true;
    }
}
