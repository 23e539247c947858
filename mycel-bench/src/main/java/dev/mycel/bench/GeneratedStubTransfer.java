package dev.mycel.bench;

import com.google.protobuf.UnsafeByteOperations;
import dev.mycel.bench.transfer.proto.EchoMessage;
import dev.mycel.bench.transfer.proto.TensorChunk;
import dev.mycel.bench.transfer.proto.TensorHeader;
import dev.mycel.bench.transfer.proto.TransferGrpc;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The same Transfer service written the ordinary way, with the stubs protoc generates and
 * their protobuf marshaller (the data wrapped with {@code UnsafeByteOperations} on sending,
 * parsed by protobuf on receiving), and the same back-pressure as {@code TensorSender} and
 * {@code TensorReceiver}. The benchmark runs it beside Mycel's marshaller to show what that
 * marshaller saves; both put the same bytes on the wire.
 */
final class GeneratedStubTransfer {
    private GeneratedStubTransfer() {
    }

    static BindableService service() {
        return new TransferGrpc.TransferImplBase() {
            @Override
            public void echo(EchoMessage request, StreamObserver<EchoMessage> out) {
                out.onNext(request);
                out.onCompleted();
            }

            @Override
            public StreamObserver<TensorChunk> sendTensors(StreamObserver<TransferReceipt> responses) {
                ServerCallStreamObserver<TransferReceipt> call = (ServerCallStreamObserver<TransferReceipt>) responses;
                call.disableAutoRequest();
                call.request(2);
                return new StreamObserver<>() {
                    private byte[] tensor;
                    private int filled;
                    private long tensors;
                    private long bytes;

                    @Override
                    public void onNext(TensorChunk chunk) {
                        if (chunk.hasHeader()) {
                            tensor = new byte[(int) chunk.getHeader().getByteSize()];
                            filled = 0;
                        }
                        chunk.getData().copyTo(tensor, filled);
                        filled += chunk.getData().size();
                        if (filled == tensor.length) {
                            tensors++;
                            bytes += filled;
                        }
                        call.request(1);
                    }

                    @Override
                    public void onError(Throwable t) {
                        tensor = null;
                    }

                    @Override
                    public void onCompleted() {
                        responses.onNext(TransferReceipt.newBuilder().setTensors(tensors).setBytes(bytes).build());
                        responses.onCompleted();
                    }
                };
            }
        };
    }

    /** Sends {@code count} copies of one tensor on one stream; returns the receipt. */
    static TransferReceipt send(Channel channel, String dtype, long[] shape, ByteBuffer data, int count,
                                int frameBytes, Duration deadline) throws InterruptedException {
        Object readiness = new Object();
        CompletableFuture<TransferReceipt> done = new CompletableFuture<>();
        AtomicReference<ClientCallStreamObserver<TensorChunk>> requests = new AtomicReference<>();
        ClientResponseObserver<TensorChunk, TransferReceipt> responses = new ClientResponseObserver<>() {
            private TransferReceipt receipt;

            @Override
            public void beforeStart(ClientCallStreamObserver<TensorChunk> r) {
                requests.set(r);
                r.setOnReadyHandler(() -> {
                    synchronized (readiness) {
                        readiness.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(TransferReceipt r) {
                receipt = r;
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
                synchronized (readiness) {
                    readiness.notifyAll();
                }
            }

            @Override
            public void onCompleted() {
                done.complete(receipt);
            }
        };
        StreamObserver<TensorChunk> out = TransferGrpc.newStub(channel)
                .withDeadlineAfter(deadline)
                .withExecutor(Runnable::run)
                .withOnReadyThreshold(2 * frameBytes)
                .sendTensors(responses);
        TensorHeader.Builder header = TensorHeader.newBuilder().setDtype(dtype).setByteSize(data.remaining());
        for (long d : shape) {
            header.addShape(d);
        }
        for (int t = 0; t < count; t++) {
            for (int off = 0; off < data.remaining(); off += frameBytes) {
                synchronized (readiness) {
                    while (!requests.get().isReady() && !done.isDone()) {
                        readiness.wait();
                    }
                }
                if (done.isDone()) {
                    break;
                }
                TensorChunk.Builder chunk = TensorChunk.newBuilder()
                        .setData(UnsafeByteOperations.unsafeWrap(data.slice(off, Math.min(frameBytes, data.remaining() - off))));
                if (off == 0) {
                    chunk.setHeader(header);
                }
                out.onNext(chunk.build());
            }
        }
        out.onCompleted();
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the generated-stub stream failed", e.getCause());
        }
    }
}
