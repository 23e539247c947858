package dev.mycel.net.dht;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.proto.AddProviderRequest;
import dev.mycel.net.proto.FindValueResponse;
import dev.mycel.net.proto.GetProvidersResponse;
import dev.mycel.net.proto.StoreRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a hostile peer can put on the wire, fed to everything that reads it: the protobuf
 * decoders, the record checks and store, the contact decoder, the text parsers. Reading must
 * either succeed or fail with the expected, clean exception. The Jazzer target replays its seeds
 * in normal builds (fuzz with JAZZER_FUZZ=1, see docs/TESTING.md); the seeded test mutates real
 * messages in every build.
 */
class WireFuzzTest {
    private static final NodeIdentity SIGNER = NodeIdentity.generate();

    static void readEverything(byte[] data) {
        RecordStore store = new RecordStore(RecordLimits.defaults(), System::currentTimeMillis);
        try {
            store.putValue(StoreRequest.parseFrom(data).getRecord());
        } catch (InvalidProtocolBufferException | RecordRefusedException clean) {
            // refused cleanly
        }
        try {
            store.addProvider(AddProviderRequest.parseFrom(data).getRecord());
        } catch (InvalidProtocolBufferException | RecordRefusedException clean) {
            // refused cleanly
        }
        try {
            ContactCodec.fromProto(FindValueResponse.parseFrom(data).getCloserList(), 20);
            GetProvidersResponse.parseFrom(data);
        } catch (InvalidProtocolBufferException clean) {
            // refused cleanly
        }
        String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
        try {
            BootstrapAddress.parse(text);
        } catch (IllegalArgumentException clean) {
            // refused cleanly
        }
        try {
            dev.mycel.net.identity.PeerId.parse(text);
        } catch (IllegalArgumentException clean) {
            // refused cleanly
        }
    }

    @FuzzTest(maxDuration = "5m")
    void wireInputNeverFailsUncleanly(byte[] data) {
        readEverything(data);
    }

    static byte[] validStore() {
        return StoreRequest.newBuilder().setRecord(Records.signValue(SIGNER, "name", new byte[] {1, 2, 3}, 5,
                System.currentTimeMillis() + 3_600_000)).build().toByteArray();
    }

    static byte[] validProvider() {
        return AddProviderRequest.newBuilder().setRecord(Records.signProvider(SIGNER, DhtKey.sha256(new byte[] {9}),
                "127.0.0.1", 7700, new byte[] {1}, 5, System.currentTimeMillis() + 3_600_000)).build().toByteArray();
    }

    @Test
    void seededMutationsOfRealMessagesFailCleanly() {
        SplittableRandom random = new SplittableRandom(20261125);
        byte[][] seeds = {validStore(), validProvider(), "mcaaaa@127.0.0.1:7700".getBytes()};
        for (int i = 0; i < 5_000; i++) {
            byte[] m = seeds[random.nextInt(seeds.length)].clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(m.length);
                switch (random.nextInt(3)) {
                    case 0 -> m[at] = (byte) random.nextInt(256);
                    case 1 -> m[at] ^= (byte) (1 << random.nextInt(8));
                    default -> m = java.util.Arrays.copyOf(m, at);
                }
                if (m.length == 0) {
                    break;
                }
            }
            readEverything(m);
        }
    }

    /** Writes the seed corpus (run once by hand when the messages change). */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of("mycel-net/src/test/resources/dev/mycel/net/dht/WireFuzzTestInputs");
        Files.createDirectories(dir);
        Files.write(dir.resolve("store"), validStore());
        Files.write(dir.resolve("provider"), validProvider());
        Files.write(dir.resolve("bootstrap"), ("mc" + "a".repeat(52) + "@127.0.0.1:7700").getBytes());
    }
}
