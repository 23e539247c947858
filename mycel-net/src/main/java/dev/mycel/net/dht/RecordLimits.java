package dev.mycel.net.dht;

import java.time.Duration;

/**
 * Bounds on what a node stores for others.
 *
 * @param maxNameBytes      longest value name (UTF-8)
 * @param maxValueBytes     largest value
 * @param maxPayloadBytes   largest provider payload
 * @param maxTtl            farthest expiry accepted (a record "valid for ever" is refused)
 * @param maxValues         value records held at most
 * @param maxProvidersPerKey provider records held per key at most
 * @param maxProviderKeys   keys with provider records held at most
 */
public record RecordLimits(int maxNameBytes, int maxValueBytes, int maxPayloadBytes, Duration maxTtl,
                           int maxValues, int maxProvidersPerKey, int maxProviderKeys) {
    public static RecordLimits defaults() {
        return new RecordLimits(256, 64 * 1024, 1024, Duration.ofHours(48), 100_000, 256, 100_000);
    }
}
