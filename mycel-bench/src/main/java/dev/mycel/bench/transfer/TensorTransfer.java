package dev.mycel.bench.transfer;

import com.google.protobuf.ByteString;
import dev.mycel.bench.transfer.proto.EchoMessage;
import dev.mycel.bench.transfer.proto.TransferGrpc;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import dev.mycel.net.transport.grpc.InlineService;
import dev.mycel.net.transport.grpc.NetServer;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@code mycel.net.v1.Transfer} service (transfer.proto), both sides: {@link #service} for
 * a {@link NetServer}, and the calls a peer makes on it. Tensors go through
 * {@link TensorChunkMarshaller} rather than the generated protobuf marshaller; the bytes on the
 * wire are the same.
 */
public final class TensorTransfer {
    static final MethodDescriptor<TensorChunk, TransferReceipt> SEND_TENSORS = TransferGrpc.getSendTensorsMethod()
            .toBuilder(new TensorChunkMarshaller(), ProtoUtils.marshaller(TransferReceipt.getDefaultInstance()))
            .build();
    private static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(TransferGrpc.SERVICE_NAME)
            .setSchemaDescriptor(TransferGrpc.getServiceDescriptor().getSchemaDescriptor())
            .addMethod(TransferGrpc.getEchoMethod())
            .addMethod(SEND_TENSORS)
            .build();

    private TensorTransfer() {
    }

    /**
     * The service that answers echoes and hands received tensors to {@code handler}. Echo runs
     * on the connection's thread ({@link InlineService}); tensors go to the server's executor,
     * since a handler may take its time.
     */
    public static InlineService service(TensorHandler handler, TransferLimits limits) {
        ServerServiceDefinition definition = ServerServiceDefinition.builder(SERVICE)
                .addMethod(TransferGrpc.getEchoMethod(), ServerCalls.asyncUnaryCall((EchoMessage request, StreamObserver<EchoMessage> out) -> {
                    out.onNext(request);
                    out.onCompleted();
                }))
                .addMethod(SEND_TENSORS, new TensorReceiver(handler, limits))
                .build();
        Set<String> inline = Set.of(TransferGrpc.getEchoMethod().getFullMethodName());
        return new InlineService() {
            @Override
            public ServerServiceDefinition bindService() {
                return definition;
            }

            @Override
            public Set<String> inlineMethods() {
                return inline;
            }
        };
    }

    /** Sends {@code payload} and returns what came back (the same bytes from a sound peer). */
    public static ByteString echo(Channel channel, ByteString payload, Duration deadline) {
        return TransferGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
                .echo(EchoMessage.newBuilder().setPayload(payload).build())
                .getPayload();
    }

    /** Opens a tensor stream that must be finished (or closed) within {@code deadline}. */
    public static TensorSender open(Channel channel, TransferLimits limits, Duration deadline) {
        return new TensorSender(channel, limits, deadline);
    }

    /** Sends one tensor on a stream of its own and returns the peer's receipt. */
    public static TransferReceipt send(Channel channel, TensorFrame tensor, Duration deadline) throws InterruptedException {
        try (TensorSender sender = open(channel, TransferLimits.defaults(), deadline)) {
            sender.send(tensor);
            return sender.finish();
        }
    }
}
