package dev.mycel.inference.client;

/**
 * Where the time of a session's remote steps went: {@code steps} steps (through one hop each, or
 * through the whole route, see {@link RemoteSequence#routeTimes()}) took {@code wallNanos} as the
 * client waited for them, of which the servers said they computed {@code serverNanos}. The
 * difference is what the network legs cost (network, TLS, framing, thread hand-offs). Servers
 * report their own compute time, so this is a measurement aid, not evidence of anything.
 */
public record HopTimes(long steps, long wallNanos, long serverNanos) {
    public static final HopTimes NONE = new HopTimes(0, 0, 0);

    HopTimes plus(long wall, long server) {
        return new HopTimes(steps + 1, wallNanos + wall, serverNanos + server);
    }

    /** Time per step not spent computing on the server, in milliseconds (0 without steps). */
    public double overheadMillisPerStep() {
        return steps == 0 ? 0 : (wallNanos - serverNanos) / 1e6 / steps;
    }
}
