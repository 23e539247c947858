package dev.mycel.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The baselines: bytes copied through a plain loopback TCP socket with direct buffers and
 * blocking NIO, no encryption and no framing, which is as fast as Java moves bytes between
 * two processes.
 */
final class PlainTcp {
    private PlainTcp() {
    }

    static ServerSocketChannel listen() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    static int port(ServerSocketChannel server) throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    static SocketChannel connect(int port) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return ch;
    }

    /** Each connection sends an 8-byte count, then that many bytes, and gets one byte back; repeatedly. */
    static void serveSink(ServerSocketChannel server, int bufferBytes) {
        acceptLoop(server, ch -> {
            ByteBuffer count = ByteBuffer.allocateDirect(8);
            ByteBuffer sink = ByteBuffer.allocateDirect(bufferBytes);
            ByteBuffer ack = ByteBuffer.allocateDirect(1);
            while (true) {
                count.clear();
                if (!readFully(ch, count)) {
                    return;
                }
                long left = count.flip().getLong();
                while (left > 0) {
                    sink.clear().limit((int) Math.min(sink.capacity(), left));
                    int n = ch.read(sink);
                    if (n < 0) {
                        throw new EOFException("sender left " + left + " bytes short");
                    }
                    left -= n;
                }
                ack.clear();
                ch.write(ack);
            }
        });
    }

    /** Each connection sends {@code size} bytes and gets them back; repeatedly. */
    static void serveEcho(ServerSocketChannel server, int size) {
        acceptLoop(server, ch -> {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            while (true) {
                b.clear();
                if (!readFully(ch, b)) {
                    return;
                }
                b.flip();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        });
    }

    /** Sends {@code blocks} copies of {@code block} and waits for the sink's answer. */
    static void copy(SocketChannel ch, ByteBuffer block, int blocks) throws IOException {
        ByteBuffer count = ByteBuffer.allocate(8).putLong(0, (long) block.remaining() * blocks);
        while (count.hasRemaining()) {
            ch.write(count);
        }
        for (int i = 0; i < blocks; i++) {
            ByteBuffer b = block.duplicate();
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        if (!readFully(ch, ByteBuffer.allocate(1))) {
            throw new EOFException("the sink closed before answering");
        }
    }

    /** One request and its echo. */
    static void pingPong(SocketChannel ch, ByteBuffer out, ByteBuffer in) throws IOException {
        out.rewind();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        in.clear();
        if (!readFully(ch, in)) {
            throw new EOFException("the echo server closed");
        }
    }

    /** Fills {@code b}; false if the peer closed before sending anything. */
    private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        boolean any = false;
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                if (!any) {
                    return false;
                }
                throw new EOFException("the peer closed mid-message");
            }
            any = true;
        }
        return true;
    }

    private interface Connection {
        void serve(SocketChannel ch) throws IOException;
    }

    private static void acceptLoop(ServerSocketChannel server, Connection handler) {
        Thread.ofPlatform().daemon().name("tcp-accept").start(() -> {
            while (server.isOpen()) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    return;
                }
                Thread.ofPlatform().daemon().name("tcp-conn").start(() -> {
                    try (ch) {
                        handler.serve(ch);
                    } catch (IOException e) {
                        System.err.println("plain TCP connection failed: " + e);
                    }
                });
            }
        });
    }
}
