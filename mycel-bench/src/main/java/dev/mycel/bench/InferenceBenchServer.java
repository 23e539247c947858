package dev.mycel.bench;

import dev.mycel.inference.BlockServerNode;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A block server in a process of its own, for {@link InferenceBenchmark}: blocks FIRST..END-1 of
 * MODEL on THREADS threads, its session socket, announced in the DHT reached at BOOTSTRAP_PORT on
 * 127.0.0.1. Prints {@code READY <peer id>} once announced and runs until its standard input closes.
 *
 * <pre>InferenceBenchServer MODEL FIRST END THREADS BOOTSTRAP_PORT</pre>
 */
public final class InferenceBenchServer {
    private InferenceBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        Path model = Path.of(args[0]);
        int first = Integer.parseInt(args[1]);
        int end = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int bootstrap = Integer.parseInt(args[4]);
        NodeIdentity id = NodeIdentity.generate();
        try (ServedBlocks blocks = ServedBlocks.load(model, first, end, threads);
             BlockService service = new BlockService(blocks, ServerLimits.defaults());
             FrameServer sessions = service.listen(new TlsContexts(id), new InetSocketAddress("127.0.0.1", 0),
                     FrameLimits.defaults());
             DhtNode dht = DhtNode.start(DhtConfig.defaults(), id, null, List.of(service))) {
            service.signAs(id);
            service.measureSpeed();
            dht.onEvent(e -> { });
            dht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", bootstrap)));
            try (BlockServerNode announcer = new BlockServerNode(dht, service, 3600)) {
                announcer.announce();
                System.out.println("READY " + id.peerId());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // Runs until the benchmark closes the pipe.
                }
            }
        }
    }
}
