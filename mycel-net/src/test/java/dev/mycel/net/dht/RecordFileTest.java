package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.proto.StoredRecords;
import dev.mycel.net.proto.ValueRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading a node's stored records: kept across a restart, checked again on the way in. */
class RecordFileTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final NodeIdentity publisher = NodeIdentity.generate();

    private RecordStore store() {
        return new RecordStore(RecordLimits.defaults(), clock::get);
    }

    @Test
    void recordsComeBackAfterSaveAndLoad(@TempDir Path dir) throws Exception {
        RecordStore before = store();
        ValueRecord value = Records.signValue(publisher, "greeting", new byte[] {1, 2, 3}, 4, clock.get() + 60_000);
        DhtKey providedKey = DhtKey.sha256(new byte[] {9});
        before.putValue(value);
        before.addProvider(Records.signProvider(publisher, providedKey, "127.0.0.1", 4000, new byte[] {7}, 1,
                clock.get() + 60_000));
        Path file = dir.resolve("records.bin");
        RecordFile.save(before, file);

        RecordStore after = store();
        assertEquals(2, RecordFile.load(after, file));
        assertArrayEquals(new byte[] {1, 2, 3},
                after.value(Records.valueKey(publisher.peerId(), "greeting")).orElseThrow().getValue().toByteArray());
        assertEquals(1, after.providers(providedKey).size());
    }

    /** The saver writes only after a record was taken (a refused replay changes nothing), and closing writes. */
    @Test
    void theSaverWritesOnceARecordArrivesAndNotOtherwise(@TempDir Path dir) throws Exception {
        RecordStore store = store();
        Path file = dir.resolve("records.bin");
        try (RecordSaver saver = RecordSaver.start(store, file, java.time.Duration.ofHours(1), "test-saver")) {
            assertFalse(saver.saveIfChanged(), "nothing taken since loading");
            assertFalse(Files.exists(file));
            ValueRecord value = Records.signValue(publisher, "greeting", new byte[] {1}, 4, clock.get() + 60_000);
            store.putValue(value);
            assertTrue(saver.saveIfChanged());
            assertEquals(1, RecordFile.load(store(), file));
            store.putValue(value);
            assertFalse(saver.saveIfChanged(), "the same record again changes nothing");
            store.addProvider(Records.signProvider(publisher, DhtKey.sha256(new byte[] {9}), "127.0.0.1", 4000,
                    new byte[] {7}, 1, clock.get() + 60_000));
        }
        assertEquals(2, RecordFile.load(store(), file), "closing saved the provider record");
        assertFalse(Files.exists(dir.resolve("records.bin.tmp")));
    }

    @Test
    void expiredAndForgedRecordsInTheFileAreDropped(@TempDir Path dir) throws Exception {
        ValueRecord live = Records.signValue(publisher, "live", new byte[] {1}, 1, clock.get() + 60_000);
        ValueRecord expiring = Records.signValue(publisher, "expiring", new byte[] {2}, 1, clock.get() + 1_000);
        ValueRecord forged = Records.signValue(publisher, "forged", new byte[] {3}, 1, clock.get() + 60_000).toBuilder()
                .setValue(ByteString.copyFrom(new byte[] {4})).build();
        Path file = dir.resolve("records.bin");
        Files.write(file, StoredRecords.newBuilder().addValues(live).addValues(expiring).addValues(forged).build().toByteArray());
        clock.addAndGet(2_000);

        RecordStore after = store();
        assertEquals(1, RecordFile.load(after, file));
        assertTrue(after.value(Records.valueKey(publisher.peerId(), "live")).isPresent());
        assertFalse(after.value(Records.valueKey(publisher.peerId(), "expiring")).isPresent());
        assertFalse(after.value(Records.valueKey(publisher.peerId(), "forged")).isPresent());
    }

    @Test
    void aDamagedFileIsSetAsideAndTheNodeStartsEmpty(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("records.bin");
        Files.write(file, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2});
        RecordStore after = store();
        assertEquals(0, RecordFile.load(after, file));
        assertEquals(0, after.valueCount());
        assertFalse(Files.exists(file));
        assertTrue(Files.exists(dir.resolve("records.bin.corrupt")));
    }

    @Test
    void noFileMeansNothingToLoad(@TempDir Path dir) {
        assertEquals(0, RecordFile.load(store(), dir.resolve("records.bin")));
    }
}
