package dev.mycel.net.dht;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import java.nio.charset.StandardCharsets;

/**
 * Making and checking signed DHT records. A value record lives under SHA-256 of its publisher's
 * key and its name, so only the publisher can write it; a provider record lives under any key
 * and many providers may announce the same one. Both are signed over their canonical encoding.
 */
public final class Records {
    private Records() {
    }

    /** The key a publisher's named value is stored under. */
    public static DhtKey valueKey(PeerId publisher, String name) {
        return DhtKey.sha256(new CanonicalWriter("mycel/dht-value-key/v1").bytes(publisher.rawKey()).text(name).toByteArray());
    }

    static byte[] signedBytes(ValueRecord r) {
        return new CanonicalWriter("mycel/dht-value/v1").bytes(r.getPublisherKey().toByteArray()).text(r.getName())
                .bytes(r.getValue().toByteArray()).u64(r.getSequence()).u64(r.getExpiresAtMs()).toByteArray();
    }

    static byte[] signedBytes(ProviderRecord r) {
        return new CanonicalWriter("mycel/dht-provider/v1").bytes(r.getKey().toByteArray())
                .bytes(r.getProviderKey().toByteArray()).text(r.getHost()).u32(r.getPort())
                .bytes(r.getPayload().toByteArray()).u64(r.getSequence()).u64(r.getExpiresAtMs()).toByteArray();
    }

    public static ValueRecord signValue(NodeIdentity publisher, String name, byte[] value, long sequence, long expiresAtMs) {
        ValueRecord unsigned = ValueRecord.newBuilder()
                .setPublisherKey(ByteString.copyFrom(publisher.peerId().rawKey()))
                .setName(name).setValue(ByteString.copyFrom(value))
                .setSequence(sequence).setExpiresAtMs(expiresAtMs).build();
        return unsigned.toBuilder().setSignature(ByteString.copyFrom(publisher.sign(signedBytes(unsigned)))).build();
    }

    public static ProviderRecord signProvider(NodeIdentity provider, DhtKey key, String host, int port, byte[] payload,
                                              long sequence, long expiresAtMs) {
        ProviderRecord unsigned = ProviderRecord.newBuilder()
                .setKey(ByteString.copyFrom(key.bytes()))
                .setProviderKey(ByteString.copyFrom(provider.peerId().rawKey()))
                .setHost(host).setPort(port).setPayload(ByteString.copyFrom(payload))
                .setSequence(sequence).setExpiresAtMs(expiresAtMs).build();
        return unsigned.toBuilder().setSignature(ByteString.copyFrom(provider.sign(signedBytes(unsigned)))).build();
    }

    /** The key the record is stored under, once it has been checked. */
    public static DhtKey check(ValueRecord r, long nowMs, RecordLimits limits) throws RecordRefusedException {
        PeerId publisher = publisher(r.getPublisherKey());
        if (r.getName().getBytes(StandardCharsets.UTF_8).length > limits.maxNameBytes()) {
            throw new RecordRefusedException("name longer than " + limits.maxNameBytes() + " bytes");
        }
        if (r.getValue().size() > limits.maxValueBytes()) {
            throw new RecordRefusedException("value of " + r.getValue().size() + " bytes exceeds " + limits.maxValueBytes());
        }
        checkExpiry(r.getExpiresAtMs(), nowMs, limits);
        if (!Signatures.verify(publisher, signedBytes(r), r.getSignature().toByteArray())) {
            throw new RecordRefusedException("signature does not verify for publisher " + publisher);
        }
        return valueKey(publisher, r.getName());
    }

    public static DhtKey check(ProviderRecord r, long nowMs, RecordLimits limits) throws RecordRefusedException {
        PeerId provider = publisher(r.getProviderKey());
        if (r.getKey().size() != DhtKey.BYTES) {
            throw new RecordRefusedException("provider key must have 32 bytes, got " + r.getKey().size());
        }
        if (r.getPayload().size() > limits.maxPayloadBytes()) {
            throw new RecordRefusedException("payload of " + r.getPayload().size() + " bytes exceeds " + limits.maxPayloadBytes());
        }
        if (r.getHost().isEmpty() || r.getHost().length() > 255 || r.getPort() < 1 || r.getPort() > 65535) {
            throw new RecordRefusedException("provider address is not a host and port");
        }
        checkExpiry(r.getExpiresAtMs(), nowMs, limits);
        if (!Signatures.verify(provider, signedBytes(r), r.getSignature().toByteArray())) {
            throw new RecordRefusedException("signature does not verify for provider " + provider);
        }
        return DhtKey.of(r.getKey().toByteArray());
    }

    private static PeerId publisher(ByteString key) throws RecordRefusedException {
        if (key.size() != PeerId.KEY_BYTES) {
            throw new RecordRefusedException("signer key must have 32 bytes, got " + key.size());
        }
        return PeerId.ofRawKey(key.toByteArray());
    }

    private static void checkExpiry(long expiresAtMs, long nowMs, RecordLimits limits) throws RecordRefusedException {
        if (expiresAtMs <= nowMs) {
            throw new RecordRefusedException("record expired " + (nowMs - expiresAtMs) / 1000 + " s ago");
        }
        if (expiresAtMs - nowMs > limits.maxTtl().toMillis()) {
            throw new RecordRefusedException("record expires too far ahead (more than " + limits.maxTtl().toHours() + " h)");
        }
    }

    public static PeerId publisherOf(ValueRecord r) {
        return PeerId.ofRawKey(r.getPublisherKey().toByteArray());
    }

    public static PeerId providerOf(ProviderRecord r) {
        return PeerId.ofRawKey(r.getProviderKey().toByteArray());
    }
}
