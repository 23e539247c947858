package dev.mycel.ledger.tx;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.net.identity.PeerId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the canonical encoding that {@link dev.mycel.net.identity.CanonicalWriter} writes, with
 * a bound check on every read: a truncated or oversized field is a {@link Reason#MALFORMED}
 * refusal naming the field, never an exception from deep inside.
 */
public final class ByteReader {
    private final byte[] data;
    private final int end;
    private int at;

    public ByteReader(byte[] data, int end) {
        this.data = data;
        this.end = end;
    }

    private void need(int n, String field) throws LedgerException {
        if (n < 0 || end - at < n) {
            throw new LedgerException(Reason.MALFORMED, "truncated at " + field + " (byte " + at + ")");
        }
    }

    public int u8(String field) throws LedgerException {
        need(1, field);
        return data[at++] & 0xff;
    }

    public int u32(String field) throws LedgerException {
        need(4, field);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (data[at++] & 0xff) << (8 * i);
        }
        return v;
    }

    public long u64(String field) throws LedgerException {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (data[at++] & 0xffL) << (8 * i);
        }
        return v;
    }

    /** An amount: a u64 that must fit a signed long (no amount is 2^63 or more). */
    public long amount(String field) throws LedgerException {
        long v = u64(field);
        if (v < 0) {
            throw new LedgerException(Reason.OVERFLOW, field + " does not fit 63 bits");
        }
        return v;
    }

    public byte[] bytes(String field, int max) throws LedgerException {
        int n = u32(field);
        if (n < 0 || n > max) {
            throw new LedgerException(Reason.MALFORMED, field + " has " + Integer.toUnsignedString(n) + " bytes, at most "
                    + max + " allowed");
        }
        need(n, field);
        byte[] b = Arrays.copyOfRange(data, at, at + n);
        at += n;
        return b;
    }

    public byte[] exact(String field, int n) throws LedgerException {
        byte[] b = bytes(field, n);
        if (b.length != n) {
            throw new LedgerException(Reason.MALFORMED, field + " must have " + n + " bytes, not " + b.length);
        }
        return b;
    }

    public String text(String field, int max) throws LedgerException {
        return new String(bytes(field, max), StandardCharsets.UTF_8);
    }

    public PeerId peer(String field) throws LedgerException {
        return PeerId.ofRawKey(exact(field, PeerId.KEY_BYTES));
    }

    public int position() {
        return at;
    }

    public void finish(String what) throws LedgerException {
        if (at != end) {
            throw new LedgerException(Reason.MALFORMED, (end - at) + " stray bytes after the " + what);
        }
    }
}
