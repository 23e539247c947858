package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random histories of honest, stale, replayed, forged and expired records against the
 * store, checked after every step against a model of what must be believed: for each key, the
 * valid record with the highest sequence seen, never anything unsigned, never a rollback.
 */
class RecordStorePropertyTest {
    private static final NodeIdentity[] PUBLISHERS = {NodeIdentity.generate(), NodeIdentity.generate(), NodeIdentity.generate()};
    private static final String[] NAMES = {"a", "b", "model/x"};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void storeAgreesWithTheModelAfterEveryStep(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        AtomicLong clock = new AtomicLong(1_000_000);
        RecordStore store = new RecordStore(RecordLimits.defaults(), clock::get);
        Map<DhtKey, ValueRecord> model = new HashMap<>();
        Map<DhtKey, List<ValueRecord>> history = new HashMap<>();
        for (int step = 0; step < 400; step++) {
            clock.addAndGet(random.nextInt(0, 2000));
            NodeIdentity signer = PUBLISHERS[random.nextInt(PUBLISHERS.length)];
            String name = NAMES[random.nextInt(NAMES.length)];
            DhtKey key = Records.valueKey(signer.peerId(), name);
            int kind = random.nextInt(10);
            ValueRecord r;
            boolean valid;
            long now = clock.get();
            if (kind == 0 && history.containsKey(key)) {
                // Replay of an earlier genuine record.
                List<ValueRecord> old = history.get(key);
                r = old.get(random.nextInt(old.size()));
                valid = r.getExpiresAtMs() > now;
            } else if (kind == 1) {
                // Forged: claims a publisher whose key did not sign it.
                NodeIdentity other = PUBLISHERS[(indexOf(signer) + 1) % PUBLISHERS.length];
                r = Records.signValue(other, name, bytes(random), random.nextLong(1, 50), now + 60_000)
                        .toBuilder().setPublisherKey(ByteString.copyFrom(signer.peerId().rawKey())).build();
                valid = false;
            } else if (kind == 2) {
                r = Records.signValue(signer, name, bytes(random), random.nextLong(1, 50), now - random.nextLong(0, 10_000));
                valid = false;
            } else if (kind == 3) {
                // One bit of the value flipped after signing.
                r = Records.signValue(signer, name, bytes(random), random.nextLong(1, 50), now + 60_000);
                byte[] v = r.getValue().toByteArray();
                v[0] ^= 1;
                r = r.toBuilder().setValue(ByteString.copyFrom(v)).build();
                valid = false;
            } else {
                r = Records.signValue(signer, name, bytes(random), random.nextLong(1, 50), now + random.nextLong(1, 120_000));
                valid = true;
            }
            ValueRecord current = model.get(key);
            if (current != null && current.getExpiresAtMs() <= now) {
                model.remove(key);
                current = null;
            }
            boolean shouldAccept = valid && (current == null || r.getSequence() > current.getSequence() || r.equals(current));
            try {
                store.putValue(r);
                assertTrue(shouldAccept, "step " + step + ": accepted a record that must be refused (kind " + kind + ")");
                model.put(key, r);
                history.computeIfAbsent(key, x -> new java.util.ArrayList<>()).add(r);
            } catch (RecordRefusedException e) {
                assertFalse(shouldAccept, "step " + step + ": refused a good record: " + e.getMessage());
            }
            for (var entry : model.entrySet()) {
                ValueRecord expected = entry.getValue().getExpiresAtMs() > now ? entry.getValue() : null;
                assertEquals(expected, store.value(entry.getKey()).orElse(null), "step " + step);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void eachProviderKeepsItsNewestRecordAndOthersAreUntouched(long seed) throws RecordRefusedException {
        SplittableRandom random = new SplittableRandom(seed);
        AtomicLong clock = new AtomicLong(5_000_000);
        RecordStore store = new RecordStore(RecordLimits.defaults(), clock::get);
        DhtKey key = DhtKey.sha256(new byte[] {42});
        Map<Integer, Long> newest = new HashMap<>();
        for (int step = 0; step < 200; step++) {
            int p = random.nextInt(PUBLISHERS.length);
            long seq = random.nextLong(1, 30);
            ProviderRecord r = Records.signProvider(PUBLISHERS[p], key, "127.0.0.1", 7000 + p, new byte[] {(byte) seq},
                    seq, clock.get() + 600_000);
            Long best = newest.get(p);
            if (best == null || seq > best) {
                store.addProvider(r);
                newest.put(p, seq);
            } else if (seq < best) {
                assertThrows(RecordRefusedException.class, () -> store.addProvider(r));
            }
            List<ProviderRecord> held = store.providers(key);
            assertEquals(newest.size(), held.size());
            for (ProviderRecord h : held) {
                int who = indexOf(Records.providerOf(h));
                assertEquals(newest.get(who), h.getSequence());
            }
        }
    }

    private static int indexOf(NodeIdentity id) {
        return indexOf(id.peerId());
    }

    private static int indexOf(dev.mycel.net.identity.PeerId id) {
        for (int i = 0; i < PUBLISHERS.length; i++) {
            if (PUBLISHERS[i].peerId().equals(id)) {
                return i;
            }
        }
        throw new AssertionError();
    }

    private static byte[] bytes(SplittableRandom random) {
        byte[] b = new byte[random.nextInt(1, 40)];
        random.nextBytes(b);
        return b;
    }
}
