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

    private static Contact contactAt(Random random, String host) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new Contact(PeerId.ofRawKey(key), host, 1 + random.nextInt(65535));
    }

    private static final ContactLimits CAPS = ContactLimits.defaults().withCaps(2, 4, false);

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void noAddressOrSubnetGoesOverItsCapWhateverTheHistory(int seed) {
        Random random = new Random(seed);
        RoutingTable table = new RoutingTable(randomContact(random).key(), 20, CAPS);
        // Three /24s of four addresses each, an IPv6 /64, and identities without end.
        List<String> hosts = new ArrayList<>();
        for (String net : List.of("203.0.113.", "198.51.100.", "192.0.2.")) {
            for (int i = 1; i <= 4; i++) {
                hosts.add(net + i);
            }
        }
        hosts.add("2001:db8:1:2::5");
        hosts.add("2001:db8:1:2:ffff::1");
        hosts.add("2001:db8:1:2:0:0:0:9");
        for (int i = 0; i < 2000; i++) {
            if (i < 1500 && random.nextInt(10) == 0 && table.size() > 0) {
                List<Contact> all = table.all();
                table.remove(all.get(random.nextInt(all.size())).peer());
            } else {
                table.seen(contactAt(random, hosts.get(random.nextInt(hosts.size()))));
            }
            java.util.Map<String, Integer> perAddress = new java.util.HashMap<>();
            java.util.Map<String, Integer> perSubnet = new java.util.HashMap<>();
            for (Contact c : table.all()) {
                AddressCaps.Group g = AddressCaps.groupOf(c.host());
                perAddress.merge(g.address(), 1, Integer::sum);
                perSubnet.merge(g.subnet(), 1, Integer::sum);
            }
            assertTrue(perAddress.values().stream().allMatch(n -> n <= 2), "per address: " + perAddress);
            assertTrue(perSubnet.values().stream().allMatch(n -> n <= 4), "per subnet: " + perSubnet);
        }
        // The caps bound the table, they do not starve it: every subnet reached its cap
        // (the IPv6 /64 holds three addresses, so its subnet cap of 4 binds first).
        assertEquals(4 * 3 + 4, table.size());
    }

    @Test
    void subnetsAreSlash24ForIpv4AndSlash64ForIpv6() {
        assertEquals(AddressCaps.groupOf("203.0.113.1").subnet(), AddressCaps.groupOf("203.0.113.250").subnet());
        assertFalse(AddressCaps.groupOf("203.0.113.1").subnet().equals(AddressCaps.groupOf("203.0.114.1").subnet()));
        assertEquals(AddressCaps.groupOf("2001:db8:1:2::5").subnet(), AddressCaps.groupOf("[2001:db8:1:2:ffff::1]").subnet());
        assertFalse(AddressCaps.groupOf("2001:db8:1:2::5").subnet().equals(AddressCaps.groupOf("2001:db8:1:3::5").subnet()));
        assertEquals(AddressCaps.groupOf("2001:db8::1").address(), AddressCaps.groupOf("2001:db8:0:0::1").address());
        assertTrue(AddressCaps.groupOf("127.0.0.1").loopback());
        assertTrue(AddressCaps.groupOf("::1").loopback());
        assertFalse(AddressCaps.groupOf("10.0.0.1").loopback());
        // A name is its own group, never looked up.
        assertEquals("node.example.org", AddressCaps.groupOf("Node.Example.org").address());
    }

    @Test
    void loopbackIsExemptUnlessTheCapsAskForIt() {
        Random random = new Random(4);
        DhtKey self = randomContact(random).key();
        RoutingTable exempt = new RoutingTable(self, 20, CAPS);
        RoutingTable capped = new RoutingTable(self, 20, CAPS.withCaps(2, 4, true));
        for (int i = 0; i < 50; i++) {
            Contact c = contactAt(random, "127.0.0.1");
            exempt.seen(c);
            capped.seen(c);
        }
        assertTrue(exempt.size() > 20, "devnets on one machine keep every node: " + exempt.size());
        assertEquals(2, capped.size());
    }

    @Test
    void aReplacementOverTheCapsIsNotPromoted() {
        Random random = new Random(9);
        Contact self = randomContact(random);
        RoutingTable table = new RoutingTable(self.key(), 2, CAPS.withCaps(1, 4, false));
        List<Contact> far = new ArrayList<>();
        List<String> hosts = List.of("203.0.113.1", "198.51.100.1", "192.0.2.1");
        while (far.size() < 3) {
            Contact c = contactAt(random, hosts.get(far.size()));
            if (self.key().commonPrefixBits(c.key()) == 0) {
                far.add(c);
            }
        }
        table.seen(far.get(0));
        table.seen(far.get(1));
        assertEquals(far.get(0), table.seen(far.get(2)), "bucket full: the newcomer waits among the replacements");
        // Meanwhile another bucket takes a contact at the waiting one's address.
        Contact sameAddress;
        do {
            sameAddress = contactAt(random, "192.0.2.1");
        } while (self.key().commonPrefixBits(sameAddress.key()) == 0);
        table.seen(sameAddress);
        assertTrue(table.contains(sameAddress.peer()));
        table.remove(far.get(0).peer());
        assertFalse(table.contains(far.get(2).peer()), "promoting it would put two contacts on one address");
        assertEquals(2, table.size());
    }

    /** Kademlia's preference for long-lived contacts: a contact leaves the table only when it is removed (it failed). */
    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7})
    void newcomersNeverPushOutContactsThatStillAnswer(int seed) {
        Random random = new Random(seed);
        RoutingTable table = new RoutingTable(randomContact(random).key(), 3);
        Set<PeerId> admitted = new HashSet<>();
        Set<PeerId> removed = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            int op = random.nextInt(10);
            if (op == 0 && table.size() > 0) {
                List<Contact> all = table.all();
                PeerId gone = all.get(random.nextInt(all.size())).peer();
                table.remove(gone);
                removed.add(gone);
            } else if (op == 1 && table.size() > 0) {
                List<Contact> all = table.all();
                table.seen(all.get(random.nextInt(all.size())));
            } else {
                Contact c = randomContact(random);
                // Few keys near self: most land in the first buckets, which overflow.
                table.seen(c);
            }
            for (Contact c : table.all()) {
                admitted.add(c.peer());
            }
            for (PeerId p : admitted) {
                assertTrue(table.contains(p) || removed.contains(p), "a contact that never failed was pushed out");
            }
        }
    }
}
