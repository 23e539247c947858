package dev.mycel.net.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.DhtGrpc;
import dev.mycel.net.proto.FindNodeRequest;
import dev.mycel.net.proto.FindNodeResponse;
import dev.mycel.net.proto.PingRequest;
import dev.mycel.net.proto.PingResponse;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Methods an InlineService lists run on the connection's thread, still behind authentication. */
class InlineServiceTest {
    @Test
    void listedMethodsRunOnTheConnectionThreadOthersOnTheExecutor() throws Exception {
        NodeIdentity server = NodeIdentity.generate();
        NodeIdentity client = NodeIdentity.generate();
        Thread[] threads = new Thread[2];
        java.util.concurrent.atomic.AtomicInteger inlinePings = new java.util.concurrent.atomic.AtomicInteger();
        PeerId[] callers = new PeerId[2];
        DhtGrpc.DhtImplBase impl = new DhtGrpc.DhtImplBase() {
            @Override
            public void ping(PingRequest request, StreamObserver<PingResponse> out) {
                threads[0] = Thread.currentThread();
                if (threads[0] instanceof FastThreadLocalThread) {
                    inlinePings.incrementAndGet();
                }
                callers[0] = Caller.current().peer();
                out.onNext(PingResponse.getDefaultInstance());
                out.onCompleted();
            }

            @Override
            public void findNode(FindNodeRequest request, StreamObserver<FindNodeResponse> out) {
                threads[1] = Thread.currentThread();
                callers[1] = Caller.current().peer();
                out.onNext(FindNodeResponse.getDefaultInstance());
                out.onCompleted();
            }
        };
        InlineService service = new InlineService() {
            @Override
            public ServerServiceDefinition bindService() {
                return impl.bindService();
            }

            @Override
            public Set<String> inlineMethods() {
                return Set.of(DhtGrpc.getPingMethod().getFullMethodName());
            }
        };
        try (NetServer net = NetServer.start(server, new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                NetLimits.defaults(), List.of(service), null);
             PeerChannels channels = new PeerChannels(new TlsContexts(client), NetLimits.defaults(), 2)) {
            DhtGrpc.DhtBlockingStub stub = DhtGrpc.newBlockingStub(channels.channel(server.peerId(), "127.0.0.1", net.port()))
                    .withDeadlineAfter(5, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                stub.ping(PingRequest.getDefaultInstance());
            }
            stub.findNode(FindNodeRequest.getDefaultInstance());
        }
        // Netty's event-loop threads are FastThreadLocalThreads; gRPC's executor threads are not.
        // gRPC looks the method up on its executor before it switches a call to the chosen one,
        // so a call whose message arrives during that switch still runs there: most, not all,
        // listed calls run inline.
        assertTrue(inlinePings.get() >= 10, inlinePings.get() + " of 20 pings ran on the connection's thread");
        assertFalse(threads[1] instanceof FastThreadLocalThread, threads[1].getName());
        assertEquals(List.of(client.peerId(), client.peerId()), List.of(callers));
    }
}
