package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.PeerId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingTableTest {
    private static Contact randomContact(Random random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new Contact(PeerId.ofRawKey(key), "127.0.0.1", 1 + random.nextInt(65535));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void closestMatchesBruteForceAndBucketsNeverOverflow(int seed) {
        Random random = new Random(seed);
        Contact self = randomContact(random);
        int k = 4 + random.nextInt(8);
        RoutingTable table = new RoutingTable(self.key(), k);
        List<Contact> inTable = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Contact c = randomContact(random);
            if (table.seen(c) == null) {
                inTable.add(c);
            }
        }
        assertEquals(inTable.size(), table.size());
        int[] perBucket = new int[DhtKey.BITS];
        for (Contact c : table.all()) {
            perBucket[Math.min(self.key().commonPrefixBits(c.key()), 255)]++;
        }
        for (int n : perBucket) {
            assertTrue(n <= k);
        }
        for (int t = 0; t < 50; t++) {
            DhtKey target = randomContact(random).key();
            List<Contact> expected = new ArrayList<>(inTable);
            expected.sort(Comparator.comparing(Contact::key, target::compareDistance));
            assertEquals(expected.subList(0, Math.min(k, expected.size())), table.closest(target, k));
        }
    }

    @Test
    void fullBucketKeepsOldContactsAndPromotesAReplacementWhenOneFails() {
        Random random = new Random(9);
        Contact self = randomContact(random);
        RoutingTable table = new RoutingTable(self.key(), 2);
        // Contacts in bucket 0: the first bit differs from self's.
        List<Contact> far = new ArrayList<>();
        while (far.size() < 4) {
            Contact c = randomContact(random);
            if (self.key().commonPrefixBits(c.key()) == 0) {
                far.add(c);
            }
        }
        assertNull(table.seen(far.get(0)));
        assertNull(table.seen(far.get(1)));
        assertEquals(far.get(0), table.seen(far.get(2)), "full bucket names its least recently seen contact");
        assertFalse(table.contains(far.get(2).peer()));
        table.remove(far.get(0).peer());
        assertTrue(table.contains(far.get(2).peer()), "the replacement moved up");
        assertEquals(2, table.size());
    }

    @Test
    void savedTableLoadsBackAndBadEntriesAreSkipped(@TempDir Path dir) throws Exception {
        Random random = new Random(3);
        RoutingTable table = new RoutingTable(randomContact(random).key(), 20);
        for (int i = 0; i < 50; i++) {
            table.seen(randomContact(random));
        }
        Path file = dir.resolve("routing.json");
        table.save(file);
        Set<Contact> loaded = new HashSet<>(RoutingTable.load(file));
        assertEquals(new HashSet<>(table.all()), loaded);
        Files.writeString(file, "[{\"peer\":\"mcnot-a-key\",\"host\":\"x\",\"port\":1},{\"peer\":\"" + table.all().getFirst().peer()
                + "\",\"host\":\"127.0.0.1\",\"port\":99999}]");
        assertEquals(List.of(), RoutingTable.load(file));
        Files.writeString(file, "{{{");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> RoutingTable.load(file));
        assertTrue(e.getMessage().contains("delete it"), e.getMessage());
    }

    @Test
    void randomKeyInBucketHasExactlyThatPrefix() {
        Random random = new Random(5);
        DhtKey self = randomContact(random).key();
        for (int bucket = 0; bucket < 256; bucket += 7) {
            assertEquals(bucket, self.commonPrefixBits(DhtKey.randomInBucket(self, bucket, random)));
        }
    }
}
