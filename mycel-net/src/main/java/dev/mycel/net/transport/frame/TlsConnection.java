package dev.mycel.net.transport.frame;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.security.cert.CertificateException;
import java.time.Duration;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;

/**
 * One TLS connection on a blocking {@link SocketChannel}, driven by an {@link SSLEngine} from a
 * Netty {@link SslContext}: with BoringSSL that engine encrypts and decrypts in native code
 * straight between our direct buffers and the socket's, and no Netty event loop, pipeline or
 * thread hand-off sits between the socket and the thread that takes the tensor. (A Netty
 * pipeline with SslHandler would do the same encryption but add a copy into its cumulation
 * buffer and a hand-off from the event loop to that thread; on two vCPUs every copy and
 * hand-off shows in the throughput.)
 *
 * <p>All buffers are bounded: encrypted bytes in and out start at 64 KiB and grow once to
 * 256 KiB in the direction that carries bulk data; decrypted bytes in hold one record; heap
 * bytes pass to BoringSSL through a 64 KiB staging buffer. Outgoing bytes are written when the
 * buffer fills or on {@link #flush()}. Each blocking read or write, and the whole handshake, may
 * last at most the current timeout; {@link StallWatchdog} closes the connection if it does. One
 * thread may read while others write: the two directions share nothing but the engine (whose
 * wrap and unwrap may run at once), and writes, including the reader's answer to a key update,
 * hold {@link #writeLock}. Two threads must not read at once.
 */
public final class TlsConnection implements AutoCloseable {
    /** Encrypted bytes buffered each way at first: enough for acknowledgements and headers. */
    private static final int SMALL_BUFFER = 64 * 1024;
    /**
     * What a direction grows to once bulk data flows: a socket read or write per this many bytes
     * (fewer system calls and wake-ups); larger measured no faster.
     */
    private static final int BULK_BUFFER = 256 * 1024;
    /** Heap bytes copied to native memory at a time for BoringSSL: a few records, kept in cache. */
    private static final int PLAIN_STAGING = 64 * 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** A peer that takes nothing does not hold up closing for longer than this. */
    private static final long CLOSE_TIMEOUT_NANOS = 1_000_000_000L;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final boolean direct;
    private final int packetSize;
    /** Encrypted bytes received and not yet decrypted, in read mode (compacted only before a socket read). */
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    /** Plain bytes from the heap on their way to BoringSSL (direct engines only; made on first use). */
    private ByteBuffer plainOut;
    /** Decrypted bytes not yet read, in read mode (flipped). */
    private ByteBuffer appIn;
    private volatile long timeoutNanos;
    /** When the blocking read now in progress began; 0 when none is. */
    private volatile long readingSince;
    /** When the blocking write now in progress began; 0 when none is. */
    private volatile long writingSince;
    /** When the handshake began, while it runs (it too must end within the timeout); else 0. */
    private volatile long handshakeSince;
    private volatile boolean aborted;
    private boolean closed;
    /** Where {@link #awaitReadable} reads to (the socket's stream takes only arrays); made on first use. */
    private byte[] waitBuffer;
    /** Held while encrypting or sending: writers from several threads, and the reader's key-update answer. */
    final Object writeLock = new Object();

    private TlsConnection(SocketChannel channel, SSLEngine engine, boolean direct, Duration timeout) {
        this.channel = channel;
        this.engine = engine;
        this.direct = direct;
        SSLSession s = engine.getSession();
        this.packetSize = s.getPacketBufferSize();
        this.netIn = allocate(Math.max(SMALL_BUFFER, 2 * packetSize)).flip();
        this.netOut = allocate(Math.max(SMALL_BUFFER, 2 * packetSize));
        this.appIn = allocate(s.getApplicationBufferSize()).flip();
        timeout(timeout);
    }

    /**
     * Runs the TLS handshake on a connected blocking channel; on failure the channel is closed and
     * the exception says why (the peer's certificate, a timeout, or an end of stream).
     * BoringSSL's engines get direct buffers (it reads and writes them in place); the JDK's get
     * heap buffers, where its AES-GCM runs fastest.
     */
    public static TlsConnection open(SocketChannel channel, SslContext context, boolean client, Duration timeout)
            throws IOException {
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        engine.setUseClientMode(client);
        TlsConnection c = new TlsConnection(channel, engine, !(context instanceof JdkSslContext), timeout);
        StallWatchdog.watch(c);
        try {
            c.handshake();
            return c;
        } catch (IOException | RuntimeException e) {
            c.closeNow();
            throw e;
        }
    }

    private ByteBuffer allocate(int n) {
        return direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
    }

    /** The longest any one blocking read or write may take from now on. */
    void timeout(Duration timeout) {
        timeoutNanos = timeout.toNanos();
    }

    SSLSession session() {
        return engine.getSession();
    }

    /** Whether the engine encrypts from native memory (BoringSSL), so writers should fill direct buffers. */
    boolean direct() {
        return direct;
    }

    String remoteHost() {
        try {
            return channel.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void handshake() throws IOException {
        handshakeSince = System.nanoTime() | 1;
        try {
            engine.beginHandshake();
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> {
                        SSLEngineResult r = wrapOnce(EMPTY);
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            flushNet();
                            throw new SSLHandshakeException("the TLS handshake was ended");
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        flushNet();
                        SSLEngineResult r = unwrapOnce();
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLHandshakeException("the peer ended the TLS handshake");
                        }
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && readNet() < 0) {
                            throw new SSLHandshakeException("the peer closed the connection during the TLS handshake");
                        }
                    }
                    default -> {
                        flushNet();
                        return;
                    }
                }
            }
        } catch (SSLException e) {
            sendAlert();
            throw withReason(e);
        } finally {
            handshakeSince = 0;
        }
    }

    /**
     * BoringSSL's engine reports a certificate its trust manager refused as "General OpenSslEngine
     * problem", the reason only in the cause: this puts the reason in the message, as the JDK's does.
     */
    private static SSLException withReason(SSLException e) {
        if (e.getCause() instanceof CertificateException refused && refused.getMessage() != null
                && (e.getMessage() == null || !e.getMessage().contains(refused.getMessage()))) {
            SSLHandshakeException named = new SSLHandshakeException(refused.getMessage());
            named.initCause(e);
            return named;
        }
        return e;
    }

    /** After a failed handshake the engine holds an alert for the peer: send it, best effort. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                if (wrapOnce(EMPTY).bytesProduced() == 0) {
                    break;
                }
            }
            flushNet();
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone or the engine has nothing to say
        }
    }

    private void runTasks() {
        for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
            t.run();
        }
    }

    /** Encrypts from {@code src} into the outgoing buffer, writing it out first if it is too full. */
    private SSLEngineResult wrapOnce(ByteBuffer src) throws IOException {
        if (netOut.remaining() < packetSize) {
            flushNet();
        }
        SSLEngineResult r = engine.wrap(src, netOut);
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            flushNet();
            r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("a TLS record does not fit in " + netOut.capacity() + " bytes");
            }
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        return r;
    }

    /** Decrypts one record from the incoming buffer, if a whole one is there. */
    private SSLEngineResult unwrapOnce() throws IOException {
        appIn.compact();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            appIn.flip();
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            // Only when decrypted bytes are still waiting (the caller reads them first) or the
            // engine wants a bigger buffer than its session announced: grow once, to its size.
            int want = engine.getSession().getApplicationBufferSize();
            if (appIn.hasRemaining()) {
                return r;
            }
            if (appIn.capacity() >= want) {
                throw new SSLException("a TLS record does not fit in " + appIn.capacity() + " bytes");
            }
            appIn = allocate(want).flip();
        }
        return r;
    }

    /** Reads what the socket has into the incoming buffer: -1 at its end. */
    private int readNet() throws IOException {
        netIn.compact();
        if (!netIn.hasRemaining()) {
            netIn.flip();
            throw new SSLException("a TLS record is larger than " + netIn.capacity() + " bytes");
        }
        readingSince = System.nanoTime() | 1;
        try {
            int n = channel.read(netIn);
            if (!netIn.hasRemaining() && netIn.capacity() < BULK_BUFFER) {
                // The read filled the buffer, so the peer is sending in bulk: read more at a time.
                netIn = allocate(BULK_BUFFER).put(netIn.flip());
            }
            return n;
        } catch (ClosedChannelException e) {
            throw stalled(e);
        } finally {
            readingSince = 0;
            netIn.flip();
        }
    }

    /** Writes the outgoing buffer out. */
    private void flushNet() throws IOException {
        netOut.flip();
        try {
            writeFully(netOut);
        } finally {
            netOut.clear();
        }
    }

    /** One blocking write of all of {@code b}, under the stall timeout. */
    private void writeFully(ByteBuffer b) throws IOException {
        writingSince = System.nanoTime() | 1;
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (ClosedChannelException e) {
            throw stalled(e);
        } finally {
            writingSince = 0;
        }
    }

    private IOException stalled(ClosedChannelException e) {
        if (aborted) {
            return new SocketTimeoutException("the connection made no progress within its timeout of "
                    + timeoutNanos / 1_000_000 + " ms");
        }
        return e;
    }

    boolean stalledAt(long now) {
        return overdue(readingSince, now) || overdue(writingSince, now) || overdue(handshakeSince, now);
    }

    private boolean overdue(long since, long now) {
        return since != 0 && now - since > timeoutNanos;
    }

    /** From the watchdog: ends a stalled connection, which fails the blocked call. */
    void abort() {
        aborted = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * Makes decrypted bytes available: false at the peer's close_notify or the end of the stream
     * (a truncated stream shows up as a tensor that ends early, which the protocol catches).
     */
    private boolean fill() throws IOException {
        while (!appIn.hasRemaining()) {
            SSLEngineResult r = unwrapOnce();
            switch (r.getStatus()) {
                case CLOSED -> {
                    return false;
                }
                case BUFFER_UNDERFLOW -> {
                    if (readNet() < 0) {
                        return false;
                    }
                }
                case OK -> {
                    HandshakeStatus hs = r.getHandshakeStatus();
                    if (hs == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    } else if (hs == HandshakeStatus.NEED_WRAP) {
                        // A post-handshake message (key update) wants an answer.
                        synchronized (writeLock) {
                            wrapOnce(EMPTY);
                            flushNet();
                        }
                    } else if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && readNet() < 0) {
                        return false;
                    }
                }
                default -> {
                    // BUFFER_OVERFLOW with the buffer grown: try again
                }
            }
        }
        return true;
    }

    /**
     * Waits up to {@code wait} for something to read: true when bytes (or the end of the stream)
     * arrived, false when the time ran out. What arrives is kept for the next read. This wait is
     * not a stall: the watchdog does not count it, and the connection stays open either way.
     */
    boolean awaitReadable(Duration wait) throws IOException {
        if (appIn.hasRemaining() || netIn.hasRemaining()) {
            return true;
        }
        java.net.Socket socket = channel.socket();
        if (waitBuffer == null) {
            waitBuffer = new byte[16 * 1024];
        }
        byte[] b = waitBuffer;
        socket.setSoTimeout((int) Math.clamp(wait.toMillis(), 1, Integer.MAX_VALUE));
        try {
            int n = socket.getInputStream().read(b, 0, Math.min(b.length, netIn.capacity()));
            if (n > 0) {
                netIn.compact();
                netIn.put(b, 0, n);
                netIn.flip();
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(0);
        }
    }

    /**
     * Blocks, as a read does (the same timeout and watchdog), until something is there to read:
     * bytes of the next record, or the end of the stream. What arrived stays for the next read,
     * which then finds it without another system call; the decryption is left to that read.
     */
    void awaitBytes() throws IOException {
        if (!appIn.hasRemaining() && !netIn.hasRemaining()) {
            readNet();
        }
    }

    /** One decrypted byte, or -1 at the end of the stream. */
    int read() throws IOException {
        return fill() ? appIn.get() & 0xff : -1;
    }

    /** Up to {@code len} decrypted bytes (at least one), or -1 at the end of the stream. */
    int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, appIn.remaining());
        appIn.get(b, off, n);
        return n;
    }

    /** The decrypted bytes as a stream (no buffering of its own: the connection buffers). */
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return TlsConnection.this.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return TlsConnection.this.read(b, off, len);
            }

            @Override
            public int available() {
                return appIn.remaining();
            }
        };
    }

    /** Encrypts all of {@code src}; what does not fill the outgoing buffer waits for {@link #flush()}. */
    public void write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            writeLocked(src);
        }
    }

    private void writeLocked(ByteBuffer src) throws IOException {
        if (src.remaining() > netOut.capacity() && netOut.capacity() < BULK_BUFFER) {
            // Bulk data: write it out in large steps from now on.
            flush();
            netOut = allocate(BULK_BUFFER);
        }
        if (direct && !src.isDirect()) {
            // BoringSSL reads only native memory: copy through one staging buffer in large steps
            // rather than let the engine allocate (and leak-track) a buffer for every record.
            if (plainOut == null) {
                plainOut = ByteBuffer.allocateDirect(PLAIN_STAGING);
            }
            ByteBuffer chunk = src.duplicate();
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), plainOut.capacity());
                plainOut.clear();
                plainOut.put(chunk.limit(src.position() + n).position(src.position())).flip();
                src.position(src.position() + n);
                encrypt(plainOut);
            }
        } else {
            encrypt(src);
        }
    }

    private void encrypt(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            SSLEngineResult r = wrapOnce(src);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("the TLS connection is closed");
            }
        }
    }

    /** Sends what {@link #write} left in the outgoing buffer. */
    public void flush() throws IOException {
        synchronized (writeLock) {
            if (netOut.position() > 0) {
                flushNet();
            }
        }
    }

    /** Sends close_notify (best effort, a second at most) and closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        timeoutNanos = Math.min(timeoutNanos, CLOSE_TIMEOUT_NANOS);
        if (!aborted && channel.isOpen()) {
            synchronized (writeLock) {
                try {
                    flush();
                    engine.closeOutbound();
                    while (!engine.isOutboundDone() && wrapOnce(EMPTY).bytesProduced() > 0) {
                        // close_notify
                    }
                    flushNet();
                } catch (IOException | RuntimeException ignored) {
                    // the peer is gone: nothing more to tell it
                }
            }
        }
        closeNow();
    }

    private void closeNow() {
        closed = true;
        StallWatchdog.forget(this);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
        engine.closeOutbound();
        try {
            engine.closeInbound();
        } catch (SSLException ignored) {
            // the peer's close_notify never came; the socket is closed anyway
        }
        // BoringSSL engines hold native memory until released; the JDK's are plain objects.
        ReferenceCountUtil.safeRelease(engine);
    }

    /**
     * Fills {@code dst} with decrypted bytes; a stream that ends first is an EOFException. Whole
     * records are decrypted straight into {@code dst} while it has room for one, when it is the
     * kind of memory the engine works in (heap for the JDK's, direct for BoringSSL, which would
     * otherwise copy through a temporary buffer of its own): a copy per byte saved.
     */
    public void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (appIn.hasRemaining()) {
                int n = Math.min(appIn.remaining(), dst.remaining());
                dst.put(dst.position(), appIn, appIn.position(), n);
                dst.position(dst.position() + n);
                appIn.position(appIn.position() + n);
            } else if (dst.isDirect() == direct && dst.remaining() >= appIn.capacity()) {
                SSLEngineResult r = engine.unwrap(netIn, dst);
                switch (r.getStatus()) {
                    case BUFFER_UNDERFLOW -> {
                        if (readNet() < 0) {
                            throw new EOFException();
                        }
                    }
                    case CLOSED -> throw new EOFException();
                    case OK -> {
                        if (r.bytesProduced() == 0 && !fill()) {
                            throw new EOFException();
                        }
                    }
                    default -> {
                        if (!fill()) {
                            throw new EOFException();
                        }
                    }
                }
            } else if (!fill()) {
                throw new EOFException();
            }
        }
    }
}
