package dev.mycel.node.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A node's data folder: what lives there and how it is written. Files other processes read
 * ({@code node.json}, {@code admin.token}) are written to a temporary name and moved into
 * place, so a reader never sees half a file; secrets are created readable by the owner only.
 */
public final class DataDir {
    /** The running node's pid, peer id and addresses, for commands that talk to it. */
    public static final String NODE_FILE = "node.json";
    /** The bearer token of the admin API, readable by the owner only. */
    public static final String TOKEN_FILE = "admin.token";
    /** Held locked while a node runs, so two nodes never share one folder. */
    public static final String LOCK_FILE = "node.lock";

    private DataDir() {
    }

    /** The embedded ledger's file in a node's data folder (hosted, or used alone). */
    public static Path ledgerFile(Path dir) {
        return dir.resolve("ledger").resolve("ledger.db");
    }

    /** Creates the folder (owner-only when the file system has POSIX permissions) if it is missing. */
    public static void create(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (Files.exists(dir)) {
            throw new NodeException(dir + " is a file, not a data folder");
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (parent != null && Files.getFileAttributeView(parent, PosixFileAttributeView.class) != null) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectory(dir);
        }
    }

    /**
     * Takes the folder's lock. The operating system releases it when the process ends however
     * it ends (even by SIGKILL), so a stale lock never blocks a restart.
     */
    public static Lock lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        }
        if (lock == null) {
            ch.close();
            String pid = NodeInfo.read(dir).map(i -> " (pid " + i.pid() + ")").orElse("");
            throw new NodeException("another node is already running on " + dir + pid
                    + "; stop it with: mycel node stop --data " + dir);
        }
        return new Lock(ch, lock);
    }

    /**
     * True when a node holds the folder's lock, i.e. one really runs there. Unlike the pid in
     * node.json, which a crashed node leaves behind and the system may give to another process,
     * the lock cannot outlive its node.
     */
    public static boolean inUse(Path dir) throws IOException {
        Path file = dir.resolve(LOCK_FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    /** The held lock of a data folder. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** Writes a text file atomically; {@code ownerOnly} makes it rw------- from the start. */
    public static void writeAtomically(Path file, String text, boolean ownerOnly) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (ownerOnly && Files.getFileAttributeView(file.getParent(), PosixFileAttributeView.class) != null) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
