package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;

/**
 * Where to join the network: {@code host:port}, or {@code peerid@host:port} to also insist on
 * who answers there. Without a peer id, whoever answers must still prove some key, and is
 * then known by it.
 */
public record BootstrapAddress(PeerId peer, String host, int port) {
    public static BootstrapAddress parse(String text) {
        String s = text.strip();
        PeerId peer = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            peer = PeerId.parse(s.substring(0, at));
            s = s.substring(at + 1);
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("a bootstrap address is HOST:PORT or PEERID@HOST:PORT, got \"" + text + "\"");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in bootstrap address \"" + text + "\"");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in bootstrap address \"" + text + "\"");
        }
        return new BootstrapAddress(peer, host, port);
    }

    @Override
    public String toString() {
        return (peer == null ? "" : peer + "@") + host + ":" + port;
    }
}
