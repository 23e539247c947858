package dev.mycel.train.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses gzip data (RFC 1952) strictly. {@link java.util.zip.GZIPInputStream} would do
 * the inflating, but it silently ignores bytes after the last member; here every member's
 * CRC-32 and length are checked and anything after the last member is refused, so a damaged
 * or appended-to file never passes for a shorter good one.
 */
final class Gzip {
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int RESERVED_FLAGS = 0xE0;

    private Gzip() {
    }

    /** Whether {@code bytes} start like a gzip member (0x1f 0x8b). */
    static boolean isGzip(byte[] bytes) {
        return startsMember(bytes, 0);
    }

    /**
     * The concatenated contents of every gzip member in {@code in} (several members are valid
     * gzip, and gunzip joins them too).
     *
     * @param name  the file, for error messages
     * @param limit the most decompressed bytes accepted; more is refused as it is produced, so
     *              a small file that inflates enormously costs no more than the limit
     */
    static byte[] decompress(byte[] in, String name, long limit) {
        Output out = new Output(limit, name);
        int pos = 0;
        int member = 1;
        do {
            pos = member(in, pos, member, out, name);
            member++;
        } while (pos < in.length && startsMember(in, pos));
        if (pos < in.length) {
            throw new DatasetFormatException(name + ": " + (in.length - pos)
                    + " trailing bytes after the gzip data (at offset " + pos + ")");
        }
        return out.toArray();
    }

    /** Reads one member starting at {@code pos}; returns where the next one would start. */
    private static int member(byte[] in, int pos, int member, Output out, String name) {
        String where = member == 1 ? "gzip" : "gzip member " + member;
        if (in.length - pos < 10) {
            throw new DatasetFormatException(name + ": truncated " + where + " header ("
                    + (in.length - pos) + " of at least 10 bytes)");
        }
        int method = in[pos + 2] & 0xFF;
        if (method != 8) {
            throw new DatasetFormatException(name + ": " + where + " compression method " + method
                    + " is not deflate (8)");
        }
        int flags = in[pos + 3] & 0xFF;
        if ((flags & RESERVED_FLAGS) != 0) {
            throw new DatasetFormatException(name + ": " + where + " header sets reserved flag bits 0x"
                    + Integer.toHexString(flags & RESERVED_FLAGS));
        }
        int p = pos + 10;
        if ((flags & FEXTRA) != 0) {
            if (in.length - p < 2) {
                throw truncatedHeader(name, where, "extra field length");
            }
            int extra = (in[p] & 0xFF) | (in[p + 1] & 0xFF) << 8;
            if (in.length - p - 2 < extra) {
                throw truncatedHeader(name, where, "extra field");
            }
            p += 2 + extra;
        }
        if ((flags & FNAME) != 0) {
            p = afterZero(in, p, name, where, "file name");
        }
        if ((flags & FCOMMENT) != 0) {
            p = afterZero(in, p, name, where, "comment");
        }
        if ((flags & FHCRC) != 0) {
            if (in.length - p < 2) {
                throw truncatedHeader(name, where, "header CRC");
            }
            CRC32 headerCrc = new CRC32();
            headerCrc.update(in, pos, p - pos);
            int stored = (in[p] & 0xFF) | (in[p + 1] & 0xFF) << 8;
            if (stored != (int) (headerCrc.getValue() & 0xFFFF)) {
                throw new DatasetFormatException(name + ": " + where + " header CRC does not match the header");
            }
            p += 2;
        }

        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in, p, in.length - p);
            CRC32 crc = new CRC32();
            long size = 0;
            boolean stalled = false;
            while (!inflater.finished()) {
                int room = out.room();
                int n = inflater.inflate(out.buffer, out.length, room);
                if (n > 0) {
                    crc.update(out.buffer, out.length, n);
                    out.length += n;
                    size += n;
                    stalled = false;
                } else if (inflater.needsInput()) {
                    throw new DatasetFormatException(name + ": truncated " + where
                            + " data (the deflate stream does not end)");
                } else if (inflater.needsDictionary()) {
                    throw new DatasetFormatException(name + ": " + where
                            + " data asks for a preset dictionary, which gzip does not allow");
                } else if (stalled) {
                    // Room was available and input remained, yet zlib produced nothing twice.
                    throw new DatasetFormatException(name + ": bad " + where + " data (the deflate stream makes no progress)");
                } else {
                    stalled = true;
                }
            }
            int end = in.length - inflater.getRemaining();
            if (in.length - end < 8) {
                throw new DatasetFormatException(name + ": truncated " + where + " trailer ("
                        + (in.length - end) + " of 8 bytes)");
            }
            long storedCrc = littleEndianUnsigned(in, end);
            long storedSize = littleEndianUnsigned(in, end + 4);
            if (storedCrc != crc.getValue()) {
                throw new DatasetFormatException(String.format("%s: %s CRC-32 0x%08X does not match the data (0x%08X)",
                        name, where, storedCrc, crc.getValue()));
            }
            if (storedSize != (size & 0xFFFF_FFFFL)) {
                throw new DatasetFormatException(name + ": " + where + " trailer gives the size (mod 2^32) as "
                        + storedSize + ", the data has " + size + " bytes");
            }
            return end + 8;
        } catch (DataFormatException e) {
            throw new DatasetFormatException(name + ": bad " + where + " data: "
                    + Objects.requireNonNullElse(e.getMessage(), "corrupt deflate stream"), e);
        } finally {
            inflater.end();
        }
    }

    private static boolean startsMember(byte[] b, int at) {
        return b.length - at >= 2 && (b[at] & 0xFF) == 0x1F && (b[at + 1] & 0xFF) == 0x8B;
    }

    private static int afterZero(byte[] in, int p, String name, String where, String field) {
        for (int i = p; i < in.length; i++) {
            if (in[i] == 0) {
                return i + 1;
            }
        }
        throw truncatedHeader(name, where, field);
    }

    private static DatasetFormatException truncatedHeader(String name, String where, String field) {
        return new DatasetFormatException(name + ": truncated " + where + " header (its " + field + " does not end)");
    }

    private static long littleEndianUnsigned(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** A growing output buffer that refuses to pass its limit. */
    private static final class Output {
        private final long limit;
        private final String name;
        byte[] buffer = new byte[8192];
        int length;

        Output(long limit, String name) {
            this.limit = limit;
            this.name = name;
        }

        /**
         * Free space after growing when full. Capacity goes up to one byte past the limit, so
         * the inflater always has room and overflowing the limit is seen as it happens.
         */
        int room() {
            if (length > limit) {
                throw new DatasetFormatException(name + ": the gzip data decompresses to more than "
                        + limit + " bytes, the most this kind of file may hold");
            }
            if (length == buffer.length) {
                long grown = Math.min(Math.min(2L * buffer.length, limit + 1), Integer.MAX_VALUE - 8);
                buffer = Arrays.copyOf(buffer, (int) grown);
            }
            return buffer.length - length;
        }

        byte[] toArray() {
            if (length > limit) {
                room(); // throws the limit's error
            }
            return Arrays.copyOf(buffer, length);
        }
    }
}
