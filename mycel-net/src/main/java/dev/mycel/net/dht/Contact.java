package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;
import java.util.Objects;

/** A peer and where it listens. Its place in the key space is SHA-256 of its public key. */
public final class Contact {
    private final PeerId peer;
    private final String host;
    private final int port;
    private final DhtKey key;

    public Contact(PeerId peer, String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (host == null || host.isEmpty() || host.length() > 255) {
            throw new IllegalArgumentException("bad host: " + host);
        }
        this.peer = Objects.requireNonNull(peer);
        this.host = host;
        this.port = port;
        this.key = DhtKey.of(peer);
    }

    public PeerId peer() {
        return peer;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public DhtKey key() {
        return key;
    }

    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Contact c && c.peer.equals(peer) && c.host.equals(host) && c.port == port;
    }

    @Override
    public int hashCode() {
        return Objects.hash(peer, host, port);
    }

    @Override
    public String toString() {
        return peer.shortString() + "@" + address();
    }
}
