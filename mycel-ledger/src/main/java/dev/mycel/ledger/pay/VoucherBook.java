package dev.mycel.ledger.pay;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.tx.ByteReader;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.wallet.Voucher;
import dev.mycel.net.identity.CanonicalWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A server's vouchers, on disk before the step they pay for is answered: the latest voucher of
 * each channel and how much of it was already redeemed. A server restarted between serving and
 * redeeming loses no voucher. One file a channel, replaced atomically (written beside, fsynced,
 * renamed, the folder fsynced), so a crash leaves the old voucher or the new one, never half of
 * one. A damaged file is set aside (renamed {@code .bad}) and named in {@link #problems}, never a
 * crash.
 */
public final class VoucherBook {
    private static final String DOMAIN = "mycel/kept-voucher/v1";
    private static final String SUFFIX = ".voucher";
    private final Path dir;
    private final Map<Id, Kept> kept = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();

    /** A channel's latest voucher and the part of it already paid out on the ledger. */
    public record Kept(Voucher voucher, long claimed) {
        public long unclaimed() {
            return voucher.cumulative() - claimed;
        }
    }

    private VoucherBook(Path dir) {
        this.dir = dir;
    }

    public static VoucherBook open(Path dir) throws IOException {
        Files.createDirectories(dir);
        VoucherBook book = new VoucherBook(dir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                try {
                    Kept k = decode(Files.readAllBytes(f));
                    if (!f.getFileName().toString().equals(k.voucher().channel() + SUFFIX)) {
                        throw new LedgerException(LedgerException.Reason.MALFORMED, "it holds channel " + k.voucher().channel());
                    }
                    book.kept.put(k.voucher().channel(), k);
                } catch (LedgerException | IllegalArgumentException e) {
                    Path aside = f.resolveSibling(f.getFileName() + ".bad");
                    Files.move(f, aside, StandardCopyOption.REPLACE_EXISTING);
                    book.problems.add(f.getFileName() + " is damaged (" + e.getMessage() + "); set aside as " + aside.getFileName());
                }
            }
        }
        return book;
    }

    static byte[] encode(Kept k) {
        Voucher v = k.voucher();
        return new CanonicalWriter(DOMAIN).bytes(v.channel().bytes()).u64(v.nonce()).u64(v.cumulative()).bytes(v.signature())
                .u64(k.claimed()).toByteArray();
    }

    static Kept decode(byte[] b) throws LedgerException {
        ByteReader r = new ByteReader(b, b.length);
        if (!r.text("domain", 64).equals(DOMAIN)) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "not a kept voucher");
        }
        Id channel = Id.of(r.exact("channel", Id.BYTES));
        long nonce = r.amount("nonce");
        long cumulative = r.amount("cumulative");
        byte[] sig = r.bytes("signature", 128);
        long claimed = r.amount("claimed");
        r.finish("kept voucher");
        if (claimed > cumulative) {
            throw new LedgerException(LedgerException.Reason.MALFORMED, "claimed " + claimed + " exceeds the voucher's " + cumulative);
        }
        return new Kept(new Voucher(channel, nonce, cumulative, sig), claimed);
    }

    /** Keeps {@code v} if it is newer than the channel's voucher held; durable when this returns. */
    public synchronized void keep(Voucher v) throws IOException {
        Kept old = kept.get(v.channel());
        if (old != null && v.cumulative() <= old.voucher().cumulative()) {
            return;
        }
        write(new Kept(v, old == null ? 0 : old.claimed()));
    }

    /** Records that the channel's vouchers were redeemed up to {@code cumulative} in all. */
    public synchronized void claimed(Id channel, long cumulative) throws IOException {
        Kept old = kept.get(channel);
        if (old == null || cumulative <= old.claimed()) {
            return;
        }
        write(new Kept(old.voucher(), Math.min(cumulative, old.voucher().cumulative())));
    }

    /** Forgets a channel that is closed or expired (nothing more can be redeemed on it). */
    public synchronized void forget(Id channel) throws IOException {
        kept.remove(channel);
        Files.deleteIfExists(file(channel));
    }

    public synchronized Optional<Kept> get(Id channel) {
        return Optional.ofNullable(kept.get(channel));
    }

    public synchronized List<Kept> all() {
        return new ArrayList<>(kept.values());
    }

    /** Files set aside at opening, and why. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    private Path file(Id channel) {
        return dir.resolve(channel + SUFFIX);
    }

    private void write(Kept k) throws IOException {
        Path target = file(k.voucher().channel());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(ByteBuffer.wrap(encode(k)));
            c.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException notOnThisPlatform) {
            // Some systems cannot fsync a directory; the rename is still atomic.
        }
        kept.put(k.voucher().channel(), k);
    }
}
