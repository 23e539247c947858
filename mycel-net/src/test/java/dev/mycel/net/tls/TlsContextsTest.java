package dev.mycel.net.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import org.junit.jupiter.api.Test;

/** Client contexts are built once per peer dialled and kept for the most recent peers only. */
class TlsContextsTest {
    @Test
    void clientContextsAreReusedPerPeerAndBounded() {
        TlsContexts tls = new TlsContexts(NodeIdentity.generate());
        PeerId a = NodeIdentity.generate().peerId();
        PeerId b = NodeIdentity.generate().peerId();
        var forA = tls.client(a);
        assertSame(forA, tls.client(a));
        assertNotSame(forA, tls.client(b));
        assertSame(tls.client(null), tls.client(null));
        assertNotSame(forA, tls.client(null));
        for (int i = 0; i < TlsContexts.CLIENT_CONTEXTS; i++) {
            tls.client(NodeIdentity.generate().peerId());
        }
        // a was the least recently used of more than CLIENT_CONTEXTS peers: built afresh.
        assertNotSame(forA, tls.client(a));
    }
}
