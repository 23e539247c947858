package dev.mycel.net.dht;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.net.proto.StoredRecords;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.logging.Logger;

/**
 * The records a node holds for the network, kept in its data folder across restarts, so that a
 * node that restarts still answers for what it was given instead of waiting for every publisher
 * to republish. Nothing in the file is believed: on loading, every record goes through
 * {@link RecordStore}'s checks again (signature, expiry, limits), and a damaged file is set aside
 * with a warning rather than stopping the node.
 */
final class RecordFile {
    private static final Logger LOG = Logger.getLogger(RecordFile.class.getName());
    /** Loaded in one piece, so bounded whatever the limits say. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private RecordFile() {
    }

    /**
     * Writes every unexpired record of {@code store} to {@code file}, replacing it whole: a
     * temporary file, forced to disk before it is renamed over the old one, so that after a crash
     * (even of the machine) the file holds either the old or the new records, never part of them.
     */
    static void save(RecordStore store, Path file) throws IOException {
        StoredRecords.Builder b = StoredRecords.newBuilder().addAllValues(store.values().values());
        store.allProviders().values().forEach(b::addAllProviders);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = Channels.newOutputStream(ch);
            b.build().writeTo(out);
            out.flush();
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Puts the records of {@code file} (if there is one) into {@code store}; returns how many it
     * took. Records the store refuses now (expired since, forged, over a limit) are dropped; a
     * file that is larger than the store could ever hold, or does not parse, is renamed to
     * {@code NAME.corrupt} and nothing is loaded.
     */
    static int load(RecordStore store, Path file) {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        StoredRecords records;
        try {
            long size = Files.size(file);
            long most = Math.min(maxBytes(store.limits()), MAX_FILE_BYTES);
            if (size > most) {
                throw new InvalidProtocolBufferException(size + " bytes, more than the " + most
                        + " that the record limits allow");
            }
            try (InputStream in = Files.newInputStream(file)) {
                CodedInputStream coded = CodedInputStream.newInstance(in);
                coded.setSizeLimit((int) Math.min(Integer.MAX_VALUE, most));
                records = StoredRecords.parseFrom(coded);
            }
        } catch (IOException e) {
            setAside(file, e.getMessage());
            return 0;
        }
        int taken = 0;
        int refused = 0;
        for (var r : records.getValuesList()) {
            try {
                store.putValue(r);
                taken++;
            } catch (RecordRefusedException e) {
                refused++;
            }
        }
        for (var r : records.getProvidersList()) {
            try {
                store.addProvider(r);
                taken++;
            } catch (RecordRefusedException e) {
                refused++;
            }
        }
        if (refused > 0) {
            int n = refused;
            LOG.info(() -> file + ": dropped " + n + " saved records that are expired or no longer pass the checks");
        }
        return taken;
    }

    /** The largest file a store within {@code limits} could have written, with room for framing. */
    static long maxBytes(RecordLimits limits) {
        long value = 512L + limits.maxNameBytes() + limits.maxValueBytes();
        long provider = 512L + limits.maxPayloadBytes();
        return limits.maxValues() * value + (long) limits.maxProviderKeys() * limits.maxProvidersPerKey() * provider;
    }

    private static void setAside(Path file, String why) {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            LOG.warning(file + " could not be read (" + why + "); moved to " + aside.getFileName()
                    + " and starting with no stored records");
        } catch (IOException e) {
            LOG.warning(file + " could not be read (" + why + ") nor moved aside (" + e.getMessage()
                    + "); starting with no stored records");
        }
    }
}
