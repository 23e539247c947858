package dev.mycel.net.dht;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mycel.net.identity.PeerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Kademlia's k-buckets: bucket i holds up to k contacts whose keys share exactly i leading bits
 * with ours, least recently seen first. A full bucket keeps its old contacts while they answer
 * (long-lived peers are the most likely to stay) and remembers newcomers in a replacement
 * cache that fills the place of one that fails. No more than a few contacts may share an IP
 * address or subnet ({@link AddressCaps}), so one machine cannot fill the table with identities.
 */
public final class RoutingTable {
    private final DhtKey self;
    private final int k;
    private final ContactLimits limits;
    private final Bucket[] buckets = new Bucket[DhtKey.BITS];
    /** Times a contact was kept out for the address caps (counted under the table's lock). */
    private long refusedByCaps;

    private static final class Bucket {
        final LinkedHashMap<PeerId, Contact> live = new LinkedHashMap<>();
        final LinkedHashMap<PeerId, Contact> replacements = new LinkedHashMap<>();
        long touchedNanos = System.nanoTime();
    }

    public RoutingTable(DhtKey self, int k) {
        this(self, k, ContactLimits.defaults());
    }

    public RoutingTable(DhtKey self, int k, ContactLimits limits) {
        this.self = self;
        this.k = k;
        this.limits = limits;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new Bucket();
        }
    }

    public int k() {
        return k;
    }

    private Bucket bucketFor(DhtKey key) {
        int prefix = self.commonPrefixBits(key);
        return buckets[Math.min(prefix, DhtKey.BITS - 1)];
    }

    /**
     * Records that the contact was seen alive. Returns null when it is now in the table, or the
     * bucket's least recently seen contact when the bucket is full: the caller pings that one
     * and calls {@link #remove} if it is gone (the newcomer then moves up from the replacements).
     * A contact over the address caps is not kept at all (null, and {@link #contains} stays
     * false): a full bucket's replacements would otherwise let it in later.
     */
    public synchronized Contact seen(Contact c) {
        if (c.key().equals(self)) {
            return null;
        }
        Bucket b = bucketFor(c.key());
        b.touchedNanos = System.nanoTime();
        Contact known = b.live.get(c.peer());
        if (!c.equals(known) && !AddressCaps.allows(allLive(), c, limits)) {
            refusedByCaps++;
            return null;
        }
        if (known != null) {
            b.live.remove(c.peer());
            b.live.put(c.peer(), c);
            return null;
        }
        if (b.live.size() < k) {
            b.live.put(c.peer(), c);
            b.replacements.remove(c.peer());
            return null;
        }
        b.replacements.remove(c.peer());
        b.replacements.put(c.peer(), c);
        if (b.replacements.size() > k) {
            Iterator<PeerId> it = b.replacements.keySet().iterator();
            it.next();
            it.remove();
        }
        return b.live.values().iterator().next();
    }

    /**
     * How many times a contact was kept out because its address or subnet was at its cap: every
     * refusal counts, so a capped peer that keeps calling counts again each time it is admitted.
     */
    public synchronized long refusedByCaps() {
        return refusedByCaps;
    }

    /** Drops a peer that failed; the newest replacement in its bucket takes its place. */
    public synchronized void remove(PeerId peer) {
        Bucket b = bucketFor(DhtKey.of(peer));
        b.replacements.remove(peer);
        if (b.live.remove(peer) != null) {
            // Newest first: the replacement heard from last is the likeliest to be alive.
            List<Contact> newestFirst = new ArrayList<>(b.replacements.values()).reversed();
            for (Contact promoted : newestFirst) {
                b.replacements.remove(promoted.peer());
                if (AddressCaps.allows(allLive(), promoted, limits)) {
                    b.live.put(promoted.peer(), promoted);
                    return;
                }
            }
        }
    }

    private List<Contact> allLive() {
        List<Contact> all = new ArrayList<>();
        for (Bucket b : buckets) {
            all.addAll(b.live.values());
        }
        return all;
    }

    /** Whether the table holds exactly this contact, live or among the replacements (so it was admitted before). */
    public synchronized boolean holds(Contact c) {
        Bucket b = bucketFor(c.key());
        return c.equals(b.live.get(c.peer())) || c.equals(b.replacements.get(c.peer()));
    }

    /** The contact the table holds for the peer, if any. */
    public synchronized Contact get(PeerId peer) {
        return bucketFor(DhtKey.of(peer)).live.get(peer);
    }

    public synchronized boolean contains(PeerId peer) {
        return bucketFor(DhtKey.of(peer)).live.containsKey(peer);
    }

    /** The n known contacts closest to the target, closest first. */
    public synchronized List<Contact> closest(DhtKey target, int n) {
        List<Contact> all = new ArrayList<>();
        for (Bucket b : buckets) {
            all.addAll(b.live.values());
        }
        all.sort(Comparator.comparing(Contact::key, target::compareDistance));
        return all.size() > n ? new ArrayList<>(all.subList(0, n)) : all;
    }

    public synchronized List<Contact> all() {
        List<Contact> all = new ArrayList<>();
        for (Bucket b : buckets) {
            all.addAll(b.live.values());
        }
        return all;
    }

    public synchronized int size() {
        int n = 0;
        for (Bucket b : buckets) {
            n += b.live.size();
        }
        return n;
    }

    /** Marks a bucket as looked up (a lookup for a key in it ran). */
    public synchronized void touch(DhtKey key) {
        bucketFor(key).touchedNanos = System.nanoTime();
    }

    /**
     * Buckets worth refreshing: those not touched for {@code idleNanos}, up to the farthest
     * non-empty bucket's prefix length plus one (deeper buckets can only hold what a lookup of
     * our own key already finds).
     */
    public synchronized List<Integer> bucketsToRefresh(long idleNanos) {
        int deepest = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (!buckets[i].live.isEmpty()) {
                deepest = i;
            }
        }
        long now = System.nanoTime();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i <= Math.min(deepest + 1, DhtKey.BITS - 1); i++) {
            if (now - buckets[i].touchedNanos >= idleNanos) {
                out.add(i);
            }
        }
        return out;
    }

    public DhtKey self() {
        return self;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the live contacts to a file (atomically), so a restarted node rejoins without bootstrap. */
    public void save(Path file) throws IOException {
        ArrayNode arr = JSON.createArrayNode();
        for (Contact c : all()) {
            arr.addObject().put("peer", c.peer().toString()).put("host", c.host()).put("port", c.port());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads contacts saved by {@link #save}; entries that do not parse are skipped. */
    public static List<Contact> load(Path file) throws IOException {
        List<Contact> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        JsonNode arr;
        try {
            arr = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a routing table (" + e.getMessage() + "); delete it to start afresh");
        }
        if (arr == null || !arr.isArray()) {
            return out;
        }
        for (JsonNode n : arr) {
            try {
                out.add(new Contact(PeerId.parse(n.path("peer").asText()), n.path("host").asText(), n.path("port").asInt()));
            } catch (IllegalArgumentException skipped) {
                // A hand-edited or truncated entry costs that contact only.
            }
        }
        return out;
    }
}
