package dev.mycel.inference;

import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.PeerId;

/** DHT keys of the inference layer. */
public final class ModelKeys {
    private ModelKeys() {
    }

    /** Where the block servers of a model announce themselves. */
    public static DhtKey servers(byte[] modelHash) {
        return DhtKey.sha256(new CanonicalWriter("mycel/model-servers/v1").bytes(modelHash).toByteArray());
    }

    /** Where clients file signed reports about a server caught giving wrong results. */
    public static DhtKey reports(PeerId server) {
        return DhtKey.sha256(new CanonicalWriter("mycel/server-reports/v1").bytes(server.rawKey()).toByteArray());
    }
}
