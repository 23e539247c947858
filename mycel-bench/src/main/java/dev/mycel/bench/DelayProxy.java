package dev.mycel.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay on 127.0.0.1 that hands every byte on a fixed time after it arrived, in both
 * directions: one-way network delay for a benchmark on a machine without {@code tc netem}.
 * Bytes keep their order and bandwidth is not limited (a chunk is read as soon as it comes and
 * written when it is due), so a connection through it behaves like a long, fat link. Two threads
 * per direction per connection: meant for a handful of connections.
 */
final class DelayProxy implements AutoCloseable {
    private final ServerSocketChannel listen;
    private final int target;
    private final long delayNanos;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private record Due(long at, byte[] bytes) {
    }

    private DelayProxy(ServerSocketChannel listen, int target, Duration delay) {
        this.listen = listen;
        this.target = target;
        this.delayNanos = delay.toNanos();
    }

    /** Relays connections on a new port of 127.0.0.1 to {@code targetPort} there, {@code delay} each way. */
    static DelayProxy start(int targetPort, Duration delay) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        DelayProxy p = new DelayProxy(s, targetPort, delay);
        Thread.ofPlatform().daemon().name("delay-proxy-accept").start(p::acceptLoop);
        return p;
    }

    int port() {
        return listen.socket().getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel in = listen.accept();
                SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", target));
                for (SocketChannel c : List.of(in, out)) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    open.add(c);
                }
                relay(in, out);
                relay(out, in);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("delay proxy: " + e.getMessage());
                }
            }
        }
    }

    /** One direction: a reader that stamps each chunk, a writer that sends it when it is due. */
    private void relay(SocketChannel from, SocketChannel to) {
        LinkedBlockingQueue<Due> queue = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("delay-proxy-read").start(() -> {
            ByteBuffer b = ByteBuffer.allocate(256 * 1024);
            try {
                while (from.read(b.clear()) >= 0) {
                    byte[] chunk = new byte[b.position()];
                    b.flip().get(chunk);
                    queue.add(new Due(System.nanoTime() + delayNanos, chunk));
                }
            } catch (IOException e) {
                // the connection ended
            }
            queue.add(new Due(System.nanoTime() + delayNanos, null));
        });
        Thread.ofPlatform().daemon().name("delay-proxy-write").start(() -> {
            try {
                while (true) {
                    Due d = queue.take();
                    for (long wait; (wait = d.at() - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                    if (d.bytes() == null) {
                        to.shutdownOutput();
                        return;
                    }
                    ByteBuffer b = ByteBuffer.wrap(d.bytes());
                    while (b.hasRemaining()) {
                        to.write(b);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
        });
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listen.close();
        for (SocketChannel c : open) {
            c.close();
        }
    }
}
