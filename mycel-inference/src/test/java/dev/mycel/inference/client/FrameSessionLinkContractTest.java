package dev.mycel.inference.client;

import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.server.BlockService;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The session link contract on the server's frame socket: TLS on 127.0.0.1. */
class FrameSessionLinkContractTest extends SessionLinkContract {
    private FrameServer frames;

    @Override
    void start() throws Exception {
        frames = service.listen(new TlsContexts(serverId), new InetSocketAddress("127.0.0.1", 0), FrameLimits.defaults());
    }

    @Override
    SessionLink connect(Hop hop, Duration timeout) throws Exception {
        FrameConnection conn = FrameConnection.connect(new TlsContexts(clientId), serverId.peerId(), "127.0.0.1",
                frames.port(), BlockService.SESSION_PROTOCOL, 1 << 20, Duration.ofSeconds(5));
        conn.timeout(timeout);
        return new FrameSessionLink(hop, conn);
    }

    @Override
    void goAway() {
        frames.close();
        service.close();
    }

    @Override
    ServerEntry entry() {
        return new ServerEntry(serverId.peerId(), "127.0.0.1", frames.port(),
                ServerInfo.newBuilder().setSessionPort(frames.port()).build());
    }
}
