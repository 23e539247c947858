package dev.mycel.inference.client;

import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** The session link contract on a gRPC stream: a real server over TLS on 127.0.0.1. */
class GrpcSessionLinkContractTest extends SessionLinkContract {
    private NetServer server;
    private PeerChannels channels;
    private int port;

    @Override
    void start() throws Exception {
        server = NetServer.start(serverId, new TlsContexts(serverId), new InetSocketAddress("127.0.0.1", 0),
                NetLimits.defaults(), List.of(service), null);
        port = server.port();
        channels = new PeerChannels(new TlsContexts(clientId), NetLimits.defaults(), 4);
    }

    @Override
    SessionLink connect(Hop hop, Duration timeout) {
        return new GrpcSessionLink(hop, channels.channel(serverId.peerId(), "127.0.0.1", port), timeout);
    }

    @Override
    void goAway() {
        // The process dies: its sessions end with it, then its socket.
        service.close();
        server.close();
        channels.close();
    }

    @Override
    ServerEntry entry() {
        return new ServerEntry(serverId.peerId(), "127.0.0.1", port, ServerInfo.getDefaultInstance());
    }
}
