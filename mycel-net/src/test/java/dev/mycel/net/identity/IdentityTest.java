package dev.mycel.net.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    @TempDir
    Path dir;

    @Test
    void createdOnFirstStartOwnerOnlyAndStableAcrossLoads() throws IOException {
        NodeIdentity first = NodeIdentity.loadOrCreate(dir.resolve("node"));
        Path file = dir.resolve("node").resolve(NodeIdentity.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        NodeIdentity again = NodeIdentity.loadOrCreate(dir.resolve("node"));
        assertEquals(first.peerId(), again.peerId());
        byte[] msg = "hello".getBytes();
        assertTrue(Signatures.verify(first.peerId(), msg, again.sign(msg)));
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws IOException {
        NodeIdentity.loadOrCreate(dir);
        Path file = dir.resolve(NodeIdentity.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void corruptKeyFileGetsAClearError() throws IOException {
        Path file = dir.resolve(NodeIdentity.FILE_NAME);
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("does not hold an Ed25519 private key"), e.getMessage());
        Files.writeString(file, "garbage");
        e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("not a PEM private key"), e.getMessage());
    }

    @Test
    void peerIdRoundTripsThroughText() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            PeerId id = PeerId.ofRawKey(key);
            assertEquals(id, PeerId.parse(id.toString()));
            assertArrayEquals(key, PeerId.parse(id.toString()).rawKey());
        }
        PeerId real = NodeIdentity.generate().peerId();
        assertEquals(real, PeerId.of(real.publicKey()));
    }

    @Test
    void malformedPeerIdsAreRefusedWithAReason() {
        String good = NodeIdentity.generate().peerId().toString();
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("xx" + good.substring(2)));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse(good.substring(0, good.length() - 4)));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse(good + "a"));
        // '1' is not a base32 digit.
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse(good.substring(0, 5) + "1" + good.substring(6)));
        assertThrows(IllegalArgumentException.class, () -> PeerId.ofRawKey(new byte[31]));
    }

    @Test
    void signatureFailsForAnotherKeyAnotherMessageOrGarbage() {
        NodeIdentity a = NodeIdentity.generate();
        NodeIdentity b = NodeIdentity.generate();
        byte[] msg = new CanonicalWriter("mycel/test/v1").u64(42).text("x").toByteArray();
        byte[] sig = a.sign(msg);
        assertTrue(Signatures.verify(a.peerId(), msg, sig));
        assertFalse(Signatures.verify(b.peerId(), msg, sig));
        byte[] other = msg.clone();
        other[other.length - 1] ^= 1;
        assertFalse(Signatures.verify(a.peerId(), other, sig));
        assertFalse(Signatures.verify(a.peerId(), msg, new byte[64]));
        assertFalse(Signatures.verify(a.peerId(), msg, new byte[3]));
    }

    @Test
    void canonicalEncodingSeparatesDomainsAndFieldBoundaries() {
        byte[] x = new CanonicalWriter("mycel/a/v1").text("ab").text("c").toByteArray();
        byte[] y = new CanonicalWriter("mycel/a/v1").text("a").text("bc").toByteArray();
        byte[] z = new CanonicalWriter("mycel/b/v1").text("ab").text("c").toByteArray();
        assertNotEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(y));
        assertNotEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(z));
        // Little-endian fixed width.
        byte[] n = new CanonicalWriter("").u32(0x01020304).toByteArray();
        assertArrayEquals(new byte[] {0, 0, 0, 0, 4, 3, 2, 1}, n);
    }
}
