package dev.mycel.inference.client;

import dev.mycel.inference.proto.ServerInfo;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** The session link contract on {@link InMemorySessionLink}: straight into the service. */
class InMemorySessionLinkTest extends SessionLinkContract {
    private final AtomicBoolean gone = new AtomicBoolean();

    @Override
    void start() {
    }

    @Override
    SessionLink connect(Hop hop, Duration timeout) {
        return InMemorySessionLink.open(hop, service, clientId.peerId(), timeout, () -> !gone.get());
    }

    @Override
    void goAway() {
        gone.set(true);
        service.close();
    }

    @Override
    ServerEntry entry() {
        return new ServerEntry(serverId.peerId(), "in-memory", 0, ServerInfo.getDefaultInstance());
    }
}
