package dev.mycel.bench;

import dev.mycel.bench.transfer.BulkTensorServer;
import dev.mycel.bench.transfer.TensorFrame;
import dev.mycel.bench.transfer.TensorHandler;
import dev.mycel.bench.transfer.TensorTransfer;
import dev.mycel.bench.transfer.TransferLimits;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving process of {@link NetBenchmark}: a Mycel node's Transfer service, the same
 * service on generated stubs (on a second port), the bulk socket, a frame socket that echoes, and
 * the plain TCP sink and echo. It prints
 * {@code READY <transfer port> <generated-stub port> <tcp sink port> <tcp echo port> <peer id> <bulk port> <frame port> <bulk port into native memory>}
 * and runs until its standard input closes (when the benchmark process ends).
 */
public final class NetBenchServer {
    /** The frame socket protocol that answers every frame with itself. */
    static final String FRAME_ECHO = "mycel/bench-echo/1";

    private NetBenchServer() {
    }

    /** A receiver that consumes each tensor at once, so one direct buffer takes them all in turn. */
    private static final class IntoOneNativeBuffer implements TensorHandler {
        private final LongAdder received;
        private java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(0);

        IntoOneNativeBuffer(LongAdder received) {
            this.received = received;
        }

        @Override
        public java.nio.ByteBuffer destination(Caller caller, String dtype, long[] shape, int bytes) {
            if (buffer.capacity() < bytes) {
                buffer = java.nio.ByteBuffer.allocateDirect(bytes);
            }
            return buffer.clear().limit(bytes);
        }

        @Override
        public void accept(Caller caller, TensorFrame tensor) {
            received.add(tensor.byteSize());
        }
    }

    private static void echo(FrameConnection c) throws IOException {
        for (byte[] f; (f = c.read()) != null; ) {
            c.write(f);
        }
    }

    public static void main(String[] args) throws IOException {
        int window = Integer.parseInt(args[0]);
        int echoBytes = Integer.parseInt(args[1]);
        NodeIdentity identity = NodeIdentity.generate();
        TlsContexts tls = new TlsContexts(identity);
        // The benchmark calls faster than a peer is normally allowed to.
        NetLimits limits = NetLimits.defaults().withRate(1e9, Integer.MAX_VALUE).withFlowControlWindow(window);
        LongAdder received = new LongAdder();
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        try (NetServer mycel = NetServer.start(identity, tls, any, limits,
                List.of(TensorTransfer.service((caller, tensor) -> received.add(tensor.byteSize()), TransferLimits.defaults())), null);
             NetServer generated = NetServer.start(identity, tls, any, limits, List.of(GeneratedStubTransfer.service()), null);
             ServerSocketChannel sink = PlainTcp.listen();
             ServerSocketChannel echo = PlainTcp.listen();
             BulkTensorServer bulk = BulkTensorServer.start(tls, any,
                     TransferLimits.defaults(), (caller, tensor) -> received.add(tensor.byteSize()), 8,
                     java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(10));
             BulkTensorServer bulkNative = BulkTensorServer.start(tls,
                     any, TransferLimits.defaults(), new IntoOneNativeBuffer(received), 8,
                     java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(10));
             FrameServer frames = FrameServer.start(tls, any, Map.of(FRAME_ECHO, NetBenchServer::echo),
                     FrameLimits.defaults())) {
            PlainTcp.serveSink(sink, 16 << 20);
            PlainTcp.serveEcho(echo, echoBytes);
            System.out.println("READY " + mycel.port() + " " + generated.port() + " " + PlainTcp.port(sink) + " "
                    + PlainTcp.port(echo) + " " + identity.peerId() + " " + bulk.port() + " " + frames.port() + " " + bulkNative.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Runs until the benchmark process closes the pipe.
            }
        }
    }
}
