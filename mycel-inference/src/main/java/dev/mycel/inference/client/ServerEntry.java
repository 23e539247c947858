package dev.mycel.inference.client;

import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.net.identity.PeerId;

/** A block server as announced in the DHT: who, where, which blocks, how fast. */
public record ServerEntry(PeerId peer, String host, int port, ServerInfo info) {
    public int first() {
        return info.getFirst();
    }

    public int end() {
        return info.getEnd();
    }

    public boolean covers(int a, int b) {
        return first() <= a && b <= end();
    }

    @Override
    public String toString() {
        return peer.shortString() + "@" + host + ":" + port + "[" + first() + ".." + (end() - 1) + "]";
    }
}
