package dev.mycel.bench.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.bench.transfer.proto.TensorChunk;
import dev.mycel.bench.transfer.proto.TensorHeader;
import dev.mycel.bench.transfer.proto.TransferGrpc;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tensors between two nodes over real TLS 1.3 on 127.0.0.1. */
class TensorTransferTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final long MAX_TENSOR = 8 << 20;

    private final NodeIdentity serverId = NodeIdentity.generate();
    private final LinkedBlockingQueue<TensorFrame> received = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<PeerId> senders = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private NetServer server;

    private NetServer start(NetLimits limits, TensorHandler handler) throws Exception {
        server = NetServer.start(serverId, new TlsContexts(serverId), new InetSocketAddress("127.0.0.1", 0), limits,
                List.of(TensorTransfer.service(handler, TransferLimits.defaults().withMaxTensorBytes(MAX_TENSOR))), null);
        open.add(server);
        return server;
    }

    private NetServer start() throws Exception {
        return start(NetLimits.defaults(), (caller, tensor) -> {
            senders.add(caller.peer());
            received.add(tensor);
        });
    }

    private Channel channel(NodeIdentity client) {
        PeerChannels channels = new PeerChannels(new TlsContexts(client), NetLimits.defaults(), 4);
        open.add(0, channels);
        return channels.channel(serverId.peerId(), "127.0.0.1", server.port());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static TensorFrame random(String dtype, SplittableRandom rnd, long... shape) {
        byte[] bytes = new byte[(int) TensorFrame.byteSize(dtype, shape)];
        rnd.nextBytes(bytes);
        return new TensorFrame(dtype, shape, ByteBuffer.wrap(bytes));
    }

    @Test
    void tensorsOfEverySizeArriveBitExactInOrder() throws Exception {
        start();
        NodeIdentity client = NodeIdentity.generate();
        Channel channel = channel(client);
        SplittableRandom rnd = new SplittableRandom(20261125);
        List<TensorFrame> sent = new ArrayList<>(List.of(
                random("f32", rnd, 0),
                random("f32", rnd),
                random("f16", rnd, 3, 5),
                random("bf16", rnd, 7, 1000),
                random("i8", rnd, (1 << 20) + 3),
                random("f32", rnd, 2, 1024, 513),
                random("f64", rnd, 1, 1, 1, 1, 1, 1, 1, 3)));
        // Off-heap data (a memory-mapped file, say) travels the same way.
        TensorFrame heap = random("i32", rnd, 300_001);
        sent.add(new TensorFrame("i32", heap.shape(), ByteBuffer.allocateDirect(heap.byteSize()).put(heap.data()).flip()));
        long bytes = sent.stream().mapToLong(TensorFrame::byteSize).sum();
        // Default 1 MiB frames, and small frames that cut elements in half at their edges.
        for (int frame : new int[] {TransferLimits.defaults().frameBytes(), 4093}) {
            TransferReceipt receipt;
            try (TensorSender sender = TensorTransfer.open(channel, TransferLimits.defaults().withFrameBytes(frame), DEADLINE)) {
                for (TensorFrame t : sent) {
                    sender.send(t);
                }
                receipt = sender.finish();
            }
            assertEquals(sent.size(), receipt.getTensors());
            assertEquals(bytes, receipt.getBytes());
            for (TensorFrame t : sent) {
                TensorFrame got = received.poll(10, TimeUnit.SECONDS);
                assertEquals(t, got);
                assertEquals(client.peerId(), senders.poll());
            }
        }
        assertEquals(0, received.size());
        // One tensor on a stream of its own.
        TensorFrame one = TensorFrame.ofFloats(new float[] {1.5f, -0f, Float.MIN_VALUE}, 3);
        assertEquals(1, TensorTransfer.send(channel, one, DEADLINE).getTensors());
        assertArrayEquals(one.toFloats(), received.poll(10, TimeUnit.SECONDS).toFloats());
    }

    @Test
    void echoReturnsTheSameBytes() throws Exception {
        start();
        Channel channel = channel(NodeIdentity.generate());
        byte[] payload = new byte[8192];
        new SplittableRandom(5).nextBytes(payload);
        assertEquals(ByteString.copyFrom(payload), TensorTransfer.echo(channel, ByteString.copyFrom(payload), DEADLINE));
        assertEquals(ByteString.EMPTY, TensorTransfer.echo(channel, ByteString.EMPTY, DEADLINE));
    }

    @Test
    void anOversizedTensorIsRefusedWhileAnotherPeerIsServed() throws Exception {
        start();
        Channel big = channel(NodeIdentity.generate());
        Channel small = channel(NodeIdentity.generate());
        SplittableRandom rnd = new SplittableRandom(9);
        try (TensorSender other = TensorTransfer.open(small, TransferLimits.defaults(), DEADLINE)) {
            TensorFrame first = random("f32", rnd, 1000);
            other.send(first);
            assertEquals(first, received.poll(10, TimeUnit.SECONDS));

            TensorFrame tooBig = random("u8", rnd, MAX_TENSOR + 1);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
                try (TensorSender sender = TensorTransfer.open(big, TransferLimits.defaults(), DEADLINE)) {
                    sender.send(tooBig);
                    sender.finish();
                }
            });
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals("a tensor of " + (MAX_TENSOR + 1) + " bytes is over this node's limit of " + MAX_TENSOR + " bytes",
                    e.getStatus().getDescription());

            // The stream that was open all along goes on, and so do new ones from the same peer.
            TensorFrame second = random("bf16", rnd, 64, 64);
            other.send(second);
            assertEquals(2, other.finish().getTensors());
            assertEquals(second, received.poll(10, TimeUnit.SECONDS));
            TensorFrame fits = random("u8", rnd, MAX_TENSOR);
            assertEquals(MAX_TENSOR, TensorTransfer.send(big, fits, DEADLINE).getBytes());
            assertEquals(fits, received.poll(10, TimeUnit.SECONDS));
        }
    }

    /** Frames written by protoc's generated stub: the wire format is plain protobuf. */
    private static TransferReceipt sendRaw(Channel channel, List<TensorChunk> frames) throws Exception {
        CompletableFuture<TransferReceipt> done = new CompletableFuture<>();
        StreamObserver<TensorChunk> out = TransferGrpc.newStub(channel).withDeadlineAfter(DEADLINE).sendTensors(new StreamObserver<>() {
            @Override
            public void onNext(TransferReceipt r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        frames.forEach(out::onNext);
        out.onCompleted();
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private static TensorChunk frame(TensorHeader header, byte[] data) {
        TensorChunk.Builder b = TensorChunk.newBuilder().setData(ByteString.copyFrom(data));
        if (header != null) {
            b.setHeader(header);
        }
        return b.build();
    }

    @Test
    void aGeneratedProtobufStubCanSendAndBrokenStreamsAreNamed() throws Exception {
        start();
        Channel channel = channel(NodeIdentity.generate());
        byte[] data = new byte[24];
        new SplittableRandom(3).nextBytes(data);
        TensorHeader header = TensorHeader.newBuilder().setDtype("f32").addShape(2).addShape(3).setByteSize(24).build();
        TransferReceipt r = sendRaw(channel, List.of(frame(header, java.util.Arrays.copyOf(data, 10)),
                frame(null, java.util.Arrays.copyOfRange(data, 10, 24))));
        assertEquals(1, r.getTensors());
        assertEquals(new TensorFrame("f32", new long[] {2, 3}, ByteBuffer.wrap(data)), received.poll(10, TimeUnit.SECONDS));

        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "the header announces 20 bytes, but a f32 tensor of shape [2, 3] has 24",
                List.of(frame(header.toBuilder().setByteSize(20).build(), new byte[20])));
        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "a frame without a tensor header where a tensor begins",
                List.of(frame(null, new byte[4])));
        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "the stream ended 14 bytes before the end of a tensor of 24",
                List.of(frame(header, new byte[10])));
        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "a frame of 30 data bytes where the tensor has 24 left",
                List.of(frame(header, new byte[30])));
        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "a new tensor began 14 bytes before the end of the previous one",
                List.of(frame(header, new byte[10]), frame(header, new byte[14])));
        assertRefused(channel, Status.Code.INVALID_ARGUMENT, "unknown dtype 'q4_k'",
                List.of(frame(header.toBuilder().setDtype("q4_k").build(), new byte[24])));
        // A header may announce any size: it is refused before anything is allocated for it.
        assertRefused(channel, Status.Code.RESOURCE_EXHAUSTED, "a tensor of 18446744073709551615 bytes is over this node's limit",
                List.of(frame(header.toBuilder().setByteSize(-1).build(), new byte[0])));
        assertRefused(channel, Status.Code.RESOURCE_EXHAUSTED, "a tensor of 4398046511104 bytes is over this node's limit",
                List.of(frame(TensorHeader.newBuilder().setDtype("f32").addShape(1L << 40).setByteSize(4L << 40).build(), new byte[0])));
        assertEquals(0, received.size());
    }

    private static void assertRefused(Channel channel, Status.Code code, String description, List<TensorChunk> frames) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> sendRaw(channel, frames));
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().startsWith(description), e.getStatus().getDescription());
    }

    @Test
    void aHandlerCanRefuseATensor() throws Exception {
        start(NetLimits.defaults(), (caller, tensor) -> {
            throw Status.FAILED_PRECONDITION.withDescription("no session for this tensor").asRuntimeException();
        });
        Channel channel = channel(NodeIdentity.generate());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> TensorTransfer.send(channel, TensorFrame.ofFloats(new float[4], 4), DEADLINE));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals("no session for this tensor", e.getStatus().getDescription());
    }

    @Test
    void aSlowReceiverHoldsTheSenderBack() throws Exception {
        // 256 KiB tensors in 32 KiB frames to a receiver that takes 30 ms per tensor, through
        // a 256 KiB flow-control window.
        int tensorBytes = 256 << 10;
        int frameBytes = 32 << 10;
        int window = 256 << 10;
        int count = 24;
        AtomicLong handled = new AtomicLong();
        start(NetLimits.defaults().withFlowControlWindow(window), (caller, tensor) -> {
            Thread.sleep(30);
            handled.incrementAndGet();
        });
        Channel channel = channel(NodeIdentity.generate());
        TensorFrame tensor = random("u8", new SplittableRandom(1), tensorBytes);
        long maxAhead = 0;
        long t0 = System.nanoTime();
        try (TensorSender sender = TensorTransfer.open(channel, TransferLimits.defaults().withFrameBytes(frameBytes), DEADLINE)) {
            for (int i = 0; i < count; i++) {
                sender.send(tensor);
                long framesHandled = handled.get() * (tensorBytes / frameBytes);
                maxAhead = Math.max(maxAhead, sender.framesSent() - framesHandled);
            }
            assertEquals(count, sender.finish().getTensors());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // What may be between the two: the window, the sender's two queued frames and the one
        // being written, the receiver's two frames read ahead, the tensor being assembled and
        // the one in the handler.
        long bound = (window + 3L * frameBytes + 2L * frameBytes + 2L * tensorBytes) / frameBytes;
        assertTrue(maxAhead <= bound, "the sender ran " + maxAhead + " frames ahead of the receiver; at most " + bound + " may be in flight");
        // Without back-pressure the sender would have been done at once, 24 tensors ahead.
        assertTrue(seconds >= (count - bound * frameBytes / tensorBytes - 1) * 0.030,
                "the sender finished in " + seconds + " s, faster than the receiver can take tensors");
    }
}
