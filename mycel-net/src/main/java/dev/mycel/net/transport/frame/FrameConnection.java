package dev.mycel.net.transport.frame;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.mycel.net.transport.Caller;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One authenticated connection of a {@link FrameServer} protocol, either side: length-prefixed
 * frames over TLS 1.3 ({@link TlsConnection}). One thread at a time reads; writes may come from
 * any thread (each frame leaves whole, under a lock), also while a read is blocked, so a server
 * can answer a connection's peer from another connection's thread; {@link #abort()} may come from
 * any thread and fails a blocked read or write at once. Every read or write must progress within the
 * current timeout, or the connection is ended (see {@link StallWatchdog}).
 */
public final class FrameConnection implements AutoCloseable {
    private static final int OK = 0;
    private static final int REFUSED = 1;

    private final TlsConnection conn;
    private final PeerId peer;
    private final Caller caller;
    private final int maxFrameBytes;
    private final ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    /**
     * Header and payload leave in one buffer, so a frame is one TLS record, not two; in the memory
     * the engine encrypts from, so it is not copied again on the way.
     */
    private ByteBuffer out;

    FrameConnection(TlsConnection conn, PeerId peer, Caller caller, int maxFrameBytes) {
        this.conn = conn;
        this.peer = peer;
        this.caller = caller;
        this.maxFrameBytes = maxFrameBytes;
        this.out = outBuffer(8 * 1024);
    }

    private ByteBuffer outBuffer(int bytes) {
        ByteBuffer b = conn.direct() ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes);
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Connects to a peer's {@link FrameServer}, insists on its id in the TLS handshake, and asks
     * for {@code protocol}; a server that does not speak it is an IOException with its reason.
     *
     * @param timeout bounds the connection, the handshake, and each later read or write
     */
    public static FrameConnection connect(TlsContexts tls, PeerId peer, String host, int port, String protocol,
                                          int maxFrameBytes, Duration timeout) throws IOException {
        byte[] name = protocol.getBytes(StandardCharsets.US_ASCII);
        if (name.length < 1 || name.length > FrameServer.MAX_PROTOCOL_NAME) {
            throw new IllegalArgumentException("a protocol name is 1-" + FrameServer.MAX_PROTOCOL_NAME + " characters");
        }
        var context = tls.plainClient(peer);
        SocketChannel s = SocketChannel.open();
        TlsConnection conn = null;
        try {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            s.socket().connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            conn = TlsConnection.open(s, context, true, timeout);
            ByteBuffer pre = ByteBuffer.allocate(5 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            pre.putInt(FrameServer.MAGIC).put((byte) name.length).put(name).flip();
            conn.write(pre);
            conn.flush();
            int answer = conn.read();
            if (answer != OK) {
                throw new IOException(answer == REFUSED ? "the peer refused the connection: " + readReason(conn)
                        : "the peer closed the connection during the protocol preamble");
            }
            return new FrameConnection(conn, peer, null, maxFrameBytes);
        } catch (IOException | RuntimeException e) {
            if (conn != null) {
                conn.close();
            }
            s.close();
            throw e;
        }
    }

    /** The peer at the other end, as its certificate proved. */
    public PeerId peer() {
        return peer;
    }

    /** On the server side: who called. Null on the client side. */
    public Caller caller() {
        return caller;
    }

    /** The longest any one read or write may block from now on. */
    public void timeout(Duration timeout) {
        conn.timeout(timeout);
    }

    /**
     * The next frame; null when the peer closed the connection cleanly between frames. A frame
     * longer than the limit, or a stream that ends inside a frame, is an IOException.
     */
    public byte[] read() throws IOException {
        header.clear();
        int first = conn.read();
        if (first < 0) {
            return null;
        }
        header.put((byte) first);
        try {
            conn.readFully(header);
        } catch (EOFException e) {
            throw new EOFException("the stream ended inside a frame header");
        }
        int length = header.getInt(0);
        if (length < 0 || length > maxFrameBytes) {
            throw new FrameTooLargeException("a frame of " + Integer.toUnsignedLong(length)
                    + " bytes exceeds the limit of " + maxFrameBytes);
        }
        byte[] frame = new byte[length];
        try {
            conn.readFully(ByteBuffer.wrap(frame));
        } catch (EOFException e) {
            throw new EOFException("the stream ended inside a frame of " + length + " bytes");
        }
        return frame;
    }

    /**
     * Blocks until the next frame starts arriving (or the stream ends), as {@link #read()} would
     * but without decrypting or copying anything: a caller can start what the frame will need
     * (waking threads, say) while the read that follows decrypts and parses it.
     */
    public void awaitFrame() throws IOException {
        conn.awaitBytes();
    }

    /**
     * Waits up to {@code wait} for the next frame to start arriving, without ending the
     * connection when it does not (unlike a read past the timeout): false when the time ran out.
     */
    public boolean awaitFrame(Duration wait) throws IOException {
        return conn.awaitReadable(wait);
    }

    /** Sends one frame and flushes it. */
    public void write(byte[] frame) throws IOException {
        if (frame.length > maxFrameBytes) {
            throw new FrameTooLargeException("a frame of " + frame.length + " bytes exceeds the limit of " + maxFrameBytes);
        }
        synchronized (conn.writeLock) {
            writeLocked(frame);
        }
    }

    /**
     * Sends {@code message} as one frame, serialised straight into the outgoing buffer (no array
     * of its own in between), and flushes it.
     */
    public void write(MessageLite message) throws IOException {
        int size = message.getSerializedSize();
        if (size > maxFrameBytes) {
            throw new FrameTooLargeException("a frame of " + size + " bytes exceeds the limit of " + maxFrameBytes);
        }
        synchronized (conn.writeLock) {
            ensureOut(size);
            out.putInt(size);
            CodedOutputStream o = CodedOutputStream.newInstance(out);
            message.writeTo(o);
            o.flush(); // moves the buffer's position past the message
            if (out.position() != 4 + size) {
                throw new IllegalStateException("a message of " + size + " bytes wrote " + (out.position() - 4));
            }
            out.flip();
            send();
        }
    }

    private void ensureOut(int size) {
        if (out.capacity() < 4 + size) {
            out = outBuffer(Math.max(4 + size, 2 * out.capacity()));
        }
        out.clear();
    }

    private void writeLocked(byte[] frame) throws IOException {
        ensureOut(frame.length);
        out.putInt(frame.length).put(frame).flip();
        send();
    }

    private void send() throws IOException {
        conn.write(out);
        conn.flush();
    }

    /** Ends the connection now, from any thread: a blocked read or write fails at once. */
    public void abort() {
        conn.abort();
    }

    /** Closes the connection (with TLS close_notify, a second at most). */
    @Override
    public void close() {
        conn.close();
    }

    /** Server side: the client's protocol name, or null when the preamble is not Mycel's. */
    static String readPreamble(TlsConnection conn) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN);
        conn.readFully(b);
        int n = b.get(4) & 0xff;
        if (b.getInt(0) != FrameServer.MAGIC || n < 1 || n > FrameServer.MAX_PROTOCOL_NAME) {
            return null;
        }
        byte[] name = new byte[n];
        conn.readFully(ByteBuffer.wrap(name));
        return new String(name, StandardCharsets.US_ASCII);
    }

    static void accept(TlsConnection conn) throws IOException {
        conn.write(ByteBuffer.wrap(new byte[] {OK}));
        conn.flush();
    }

    static void refuse(TlsConnection conn, String reason) {
        try {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(r.length, 4096);
            conn.write(ByteBuffer.wrap(new byte[] {REFUSED, (byte) (n >>> 8), (byte) n}));
            conn.write(ByteBuffer.wrap(r, 0, n));
            conn.flush();
        } catch (IOException ignored) {
            // the peer is gone
        }
    }

    private static String readReason(TlsConnection conn) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(2);
        conn.readFully(len);
        byte[] r = new byte[len.getShort(0) & 0xffff];
        conn.readFully(ByteBuffer.wrap(r));
        return new String(r, StandardCharsets.UTF_8);
    }

    /** A frame over the limit: the connection cannot go on, since its bytes were not read. */
    public static final class FrameTooLargeException extends IOException {
        FrameTooLargeException(String message) {
            super(message);
        }
    }
}
