package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The records a node holds for the network. Everything is checked before it is kept: the
 * signature, the key it claims, the expiry, the size; and a value only replaces one with a
 * lower sequence number, so neither a replay nor a stale copy can roll a value back.
 */
public final class RecordStore {
    private final RecordLimits limits;
    private final LongSupplier clockMs;
    private final HashMap<DhtKey, ValueRecord> values = new HashMap<>();
    private final HashMap<DhtKey, LinkedHashMap<PeerId, ProviderRecord>> providers = new HashMap<>();
    /** Counts the records taken, so that whoever saves the store can tell whether it changed. */
    private long changes;

    public RecordStore(RecordLimits limits, LongSupplier clockMs) {
        this.limits = limits;
        this.clockMs = clockMs;
    }

    public RecordLimits limits() {
        return limits;
    }

    /** Checks and keeps a value record; true when it changed what is stored. */
    public synchronized boolean putValue(ValueRecord r) throws RecordRefusedException {
        long now = clockMs.getAsLong();
        DhtKey key = Records.check(r, now, limits);
        ValueRecord old = values.get(key);
        if (old != null && old.getExpiresAtMs() > now) {
            if (!replaces(r.getSequence(), old.getSequence(), r.equals(old), "record")) {
                return false;
            }
        } else if (old == null && values.size() >= limits.maxValues()) {
            expire();
            if (values.size() >= limits.maxValues()) {
                throw new RecordRefusedException("this node holds its maximum of " + limits.maxValues() + " values");
            }
        }
        values.put(key, r);
        changes++;
        return true;
    }

    /**
     * Whether a record with sequence {@code seq} replaces a live one with {@code stored}: only a
     * higher sequence does; the identical record again (a harmless replay) changes nothing; an
     * older one or another record with the same sequence is refused.
     */
    private static boolean replaces(long seq, long stored, boolean identical, String what) throws RecordRefusedException {
        if (seq < stored) {
            throw new RecordRefusedException("stale " + what + ": sequence " + seq + " is older than the stored " + stored);
        }
        if (seq == stored) {
            if (identical) {
                return false;
            }
            throw new RecordRefusedException("a different " + what + " with the same sequence " + seq + " is stored");
        }
        return true;
    }

    public synchronized Optional<ValueRecord> value(DhtKey key) {
        ValueRecord r = values.get(key);
        if (r != null && r.getExpiresAtMs() <= clockMs.getAsLong()) {
            values.remove(key);
            return Optional.empty();
        }
        return Optional.ofNullable(r);
    }

    /** Checks and keeps a provider record; a provider's newer record replaces its older one. */
    public synchronized boolean addProvider(ProviderRecord r) throws RecordRefusedException {
        long now = clockMs.getAsLong();
        DhtKey key = Records.check(r, now, limits);
        PeerId provider = Records.providerOf(r);
        LinkedHashMap<PeerId, ProviderRecord> forKey = providers.get(key);
        if (forKey == null) {
            if (providers.size() >= limits.maxProviderKeys()) {
                expire();
                if (providers.size() >= limits.maxProviderKeys()) {
                    throw new RecordRefusedException("this node holds provider records for its maximum of "
                            + limits.maxProviderKeys() + " keys");
                }
            }
            forKey = new LinkedHashMap<>();
            providers.put(key, forKey);
        }
        ProviderRecord old = forKey.get(provider);
        if (old != null && old.getExpiresAtMs() > now) {
            if (!replaces(r.getSequence(), old.getSequence(), r.equals(old), "provider record")) {
                return false;
            }
        } else if (old == null && forKey.size() >= limits.maxProvidersPerKey()) {
            forKey.values().removeIf(p -> p.getExpiresAtMs() <= now);
            if (forKey.size() >= limits.maxProvidersPerKey()) {
                throw new RecordRefusedException("key already has " + limits.maxProvidersPerKey() + " providers");
            }
        }
        forKey.remove(provider);
        forKey.put(provider, r);
        changes++;
        return true;
    }

    /** Unexpired providers of the key, most recently announced last. */
    public synchronized List<ProviderRecord> providers(DhtKey key) {
        LinkedHashMap<PeerId, ProviderRecord> forKey = providers.get(key);
        if (forKey == null) {
            return List.of();
        }
        long now = clockMs.getAsLong();
        forKey.values().removeIf(p -> p.getExpiresAtMs() <= now);
        return new ArrayList<>(forKey.values());
    }

    /** Every unexpired value, for replication to the nodes closest to each key. */
    public synchronized Map<DhtKey, ValueRecord> values() {
        expire();
        return new HashMap<>(values);
    }

    public synchronized Map<DhtKey, List<ProviderRecord>> allProviders() {
        expire();
        Map<DhtKey, List<ProviderRecord>> out = new HashMap<>();
        providers.forEach((k, v) -> out.put(k, new ArrayList<>(v.values())));
        return out;
    }

    /** How many records were taken so far; it grows with every change to what is stored, expiry aside. */
    public synchronized long changes() {
        return changes;
    }

    public synchronized int valueCount() {
        return values.size();
    }

    public synchronized int providerCount() {
        int n = 0;
        for (var m : providers.values()) {
            n += m.size();
        }
        return n;
    }

    /** Drops everything past its expiry. */
    public synchronized void expire() {
        long now = clockMs.getAsLong();
        values.values().removeIf(r -> r.getExpiresAtMs() <= now);
        providers.values().forEach(m -> m.values().removeIf(p -> p.getExpiresAtMs() <= now));
        providers.values().removeIf(Map::isEmpty);
    }
}
