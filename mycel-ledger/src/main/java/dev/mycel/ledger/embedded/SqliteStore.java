package dev.mycel.ledger.embedded;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.chain.ChainEntry;
import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.PeerId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded ledger's file: a SQLite database in WAL mode with {@code synchronous=FULL}, so
 * a commit is on disk (the WAL fsynced) before {@link #append} returns, and a crash at any
 * moment leaves either all of a batch or none of it. It holds the hash chain (the source of
 * truth: the state is rebuilt from it), an index from transaction id to entry, and an index
 * from account to the entries that concern it.
 *
 * <p>One connection, used by one thread at a time (the ledger's writer, and readers under the
 * ledger's lock): SQLite serialises writers anyway, and the host is the only writer.
 */
public final class SqliteStore implements AutoCloseable {
    private final Connection db;
    private final PreparedStatement insertEntry;
    private final PreparedStatement insertParty;

    private SqliteStore(Connection db) throws SQLException {
        this.db = db;
        this.insertEntry = db.prepareStatement("INSERT INTO entries(seq, time, tx, hash, tx_id) VALUES (?, ?, ?, ?, ?)");
        this.insertParty = db.prepareStatement("INSERT INTO parties(account, seq) VALUES (?, ?)");
    }

    /** Opens (or creates) the ledger file for {@code rules}; a file made for other rules is refused. */
    public static SqliteStore open(Path file, LedgerRules rules) throws LedgerException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS entries(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
                        + " tx BLOB NOT NULL, hash BLOB NOT NULL, tx_id BLOB NOT NULL)");
                s.execute("CREATE UNIQUE INDEX IF NOT EXISTS entries_by_tx ON entries(tx_id)");
                s.execute("CREATE TABLE IF NOT EXISTS parties(account BLOB NOT NULL, seq INTEGER NOT NULL,"
                        + " PRIMARY KEY(account, seq)) WITHOUT ROWID");
            }
            byte[] stored = meta(db, "rules");
            byte[] mine = rules.canonicalBytes();
            if (stored == null) {
                try (PreparedStatement p = db.prepareStatement("INSERT INTO meta(key, value) VALUES ('rules', ?)")) {
                    p.setBytes(1, mine);
                    p.executeUpdate();
                }
            } else if (!Arrays.equals(stored, mine)) {
                db.close();
                throw new LedgerException(Reason.NOT_ALLOWED, file + " holds a ledger with other rules (chain \""
                        + LedgerRules.decode(stored).chain() + "\", genesis " + LedgerRules.decode(stored).genesis()
                        + "); these rules' genesis is " + rules.genesis() + ": point at another file or use its rules");
            }
            db.setAutoCommit(false);
            db.commit();
            return new SqliteStore(db);
        } catch (SQLException | java.io.IOException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot open the ledger file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The rules a ledger file was made for, without opening it for writing. */
    public static Optional<LedgerRules> rulesOf(Path file) throws LedgerException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            byte[] stored = meta(db, "rules");
            return stored == null ? Optional.empty() : Optional.of(LedgerRules.decode(stored));
        } catch (SQLException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] meta(Connection db, String key) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL)");
        }
        try (PreparedStatement p = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getBytes(1) : null;
            }
        }
    }

    /** Writes a batch of entries and their parties in one transaction: durable when this returns. */
    public void append(List<ChainEntry> entries, List<Id> ids, Map<Long, ? extends Collection<PeerId>> parties)
            throws SQLException {
        try {
            for (int i = 0; i < entries.size(); i++) {
                ChainEntry e = entries.get(i);
                insertEntry.setLong(1, e.seq());
                insertEntry.setLong(2, e.time());
                insertEntry.setBytes(3, e.transaction());
                insertEntry.setBytes(4, e.hash().bytes());
                insertEntry.setBytes(5, ids.get(i).bytes());
                insertEntry.addBatch();
                for (PeerId p : parties.get(e.seq())) {
                    insertParty.setBytes(1, p.rawKey());
                    insertParty.setLong(2, e.seq());
                    insertParty.addBatch();
                }
            }
            insertEntry.executeBatch();
            insertParty.executeBatch();
            db.commit();
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** A query's rows as chain entries; its parameters set by {@code bind}. Ends the read transaction either way. */
    private List<ChainEntry> query(String sql, StatementBinder bind) throws SQLException {
        List<ChainEntry> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement(sql)) {
            bind.bind(p);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new ChainEntry(r.getLong(1), r.getLong(2), r.getBytes(3), Id.of(r.getBytes(4))));
                }
            }
        } finally {
            db.commit();
        }
        return out;
    }

    private interface StatementBinder {
        void bind(PreparedStatement p) throws SQLException;
    }

    public List<ChainEntry> entries(long from, int max) throws SQLException {
        return query("SELECT seq, time, tx, hash FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?", p -> {
            p.setLong(1, from);
            p.setInt(2, max);
        });
    }

    public Optional<ChainEntry> entryOf(Id transaction) throws SQLException {
        return query("SELECT seq, time, tx, hash FROM entries WHERE tx_id = ?", p -> p.setBytes(1, transaction.bytes()))
                .stream().findFirst();
    }

    public List<ChainEntry> entriesOf(PeerId account, int max) throws SQLException {
        return query("SELECT e.seq, e.time, e.tx, e.hash FROM parties p JOIN entries e ON e.seq = p.seq WHERE p.account = ?"
                + " ORDER BY p.seq DESC LIMIT ?", p -> {
                    p.setBytes(1, account.rawKey());
                    p.setInt(2, max);
                });
    }

    @Override
    public void close() {
        try {
            insertEntry.close();
            insertParty.close();
            db.close();
        } catch (SQLException e) {
            // Closing after a failure: nothing is lost (every acknowledged batch was committed).
        }
    }
}
