package dev.mycel.net.dht;

import java.time.Duration;

/**
 * What a node demands of a peer before the peer enters its routing table, and how long a lookup
 * waits for one peer. Identities cost nothing, so every limit here is about addresses and time,
 * which do cost an attacker something.
 *
 * @param maxPerAddress    contacts with the same IP address in the table
 * @param maxPerSubnet     contacts in the same /24 (IPv4) or /64 (IPv6) in the table
 * @param capLoopback      whether the two caps also apply to loopback addresses: off by default,
 *                         since devnets and tests run every node on 127.0.0.1; tests of the caps
 *                         turn it on
 * @param checkTimeout     how long the ping back to a caller's claimed address may take
 * @param maxPendingChecks checks in flight at once; callers beyond it are not checked (dropped)
 * @param provenFor        a candidate (peer and address) that passed less than this long ago is
 *                         let in again without a check
 * @param retryFailedAfter a candidate that failed less than this long ago is kept out without a
 *                         check (and so is any id claiming an address that timed out)
 * @param slowAnswer       a lookup waiting this long for a peer asks the next one in its place
 *                         (the slow call goes on until its own deadline)
 */
public record ContactLimits(int maxPerAddress, int maxPerSubnet, boolean capLoopback, Duration checkTimeout,
                            int maxPendingChecks, Duration provenFor, Duration retryFailedAfter, Duration slowAnswer) {

    public static ContactLimits defaults() {
        return new ContactLimits(2, 4, false, Duration.ofSeconds(2), 64, Duration.ofMinutes(10), Duration.ofMinutes(1),
                Duration.ofMillis(700));
    }

    public ContactLimits {
        if (maxPerAddress < 1 || maxPerSubnet < maxPerAddress) {
            throw new IllegalArgumentException("contact caps must be at least 1 per address and no fewer per subnet, got "
                    + maxPerAddress + " per address and " + maxPerSubnet + " per subnet");
        }
        if (maxPendingChecks < 1) {
            throw new IllegalArgumentException("at least one contact check must be allowed, got " + maxPendingChecks);
        }
        if (checkTimeout.isNegative() || checkTimeout.isZero() || slowAnswer.isNegative() || slowAnswer.isZero()
                || provenFor.isNegative() || retryFailedAfter.isNegative()) {
            throw new IllegalArgumentException("contact check durations must be positive");
        }
    }

    public ContactLimits withCaps(int perAddress, int perSubnet, boolean loopbackToo) {
        return new ContactLimits(perAddress, perSubnet, loopbackToo, checkTimeout, maxPendingChecks, provenFor, retryFailedAfter,
                slowAnswer);
    }

    public ContactLimits withChecks(Duration timeout, int maxPending, Duration proven, Duration retryFailed) {
        return new ContactLimits(maxPerAddress, maxPerSubnet, capLoopback, timeout, maxPending, proven, retryFailed, slowAnswer);
    }
}
