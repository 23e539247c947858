package dev.mycel.bench.ledger;

import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.embedded.EmbeddedLedger;
import dev.mycel.ledger.tx.Id;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.ledger.tx.SignedTransaction;
import dev.mycel.ledger.tx.Terms;
import dev.mycel.net.identity.NodeIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * L1 and L2 in docs/BENCHMARKS.md, in one run on the same disk:
 *
 * <ol>
 *   <li>SQLite's own durable single-row insert rate (WAL, synchronous=FULL, one commit a row):
 *       what one fsync a transaction allows here, the reference for</li>
 *   <li>the embedded ledger's durable transfers per second: {@code CLIENTS} accounts each with
 *       transfers in flight (signed beforehand: signing is the client's cost), every one
 *       signature-checked, applied, hash-chained and on disk before its future completes;</li>
 *   <li>a payment voucher's verification on one core (Ed25519, what a server does per request).</li>
 * </ol>
 *
 * <p>Arguments: DIR (a folder on the disk to measure) [TRANSFERS] [CLIENTS] [SQLITE_ROWS].
 */
public final class LedgerBenchmark {
    private LedgerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "ledger-bench");
        int transfers = args.length > 1 ? Integer.parseInt(args[1]) : 40_000;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rows = args.length > 3 ? Integer.parseInt(args[3]) : 2_000;
        Files.createDirectories(dir);
        System.out.printf("cores %d, transfers %d, clients %d, sqlite rows %d, dir %s%n",
                Runtime.getRuntime().availableProcessors(), transfers, clients, rows, dir.toAbsolutePath());
        double sqlite = sqliteSingleRowInserts(dir.resolve("plain.db"), rows);
        System.out.printf("sqlite durable single-row inserts: %.0f /s%n", sqlite);
        double ledger = ledgerTransfers(dir.resolve("ledger.db"), transfers, clients);
        System.out.printf("ledger durable transfers: %.0f /s (%.1fx sqlite's single-row rate)%n", ledger, ledger / sqlite);
        double voucherMicros = voucherVerification(20_000);
        System.out.printf("voucher verification (Ed25519, one core): %.1f us%n", voucherMicros);
        double eip712Micros = eip712VoucherVerification(5_000);
        System.out.printf("voucher verification (EIP-712, secp256k1 recovery, one core): %.1f us%n", eip712Micros);
        System.out.printf("{\"sqlite_inserts_per_s\":%.0f,\"ledger_transfers_per_s\":%.0f,\"ratio\":%.2f,\"voucher_verify_us\":%.1f,"
                + "\"eip712_voucher_verify_us\":%.1f}%n", sqlite, ledger, ledger / sqlite, voucherMicros, eip712Micros);
    }

    static double sqliteSingleRowInserts(Path file, int rows) throws Exception {
        Files.deleteIfExists(file);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
            }
            byte[] payload = new byte[200];
            try (PreparedStatement p = db.prepareStatement("INSERT INTO t(payload) VALUES (?)")) {
                for (int i = 0; i < rows / 10; i++) {
                    p.setBytes(1, payload);
                    p.executeUpdate();
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < rows; i++) {
                    p.setBytes(1, payload);
                    p.executeUpdate();
                }
                return rows / ((System.nanoTime() - t0) / 1e9);
            }
        }
    }

    static double ledgerTransfers(Path file, int transfers, int clients) throws Exception {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
        NodeIdentity mint = NodeIdentity.generate();
        LedgerRules rules = new LedgerRules("mycel-bench", mint.peerId(), 60_000, List.of(), 0, 0, null);
        NodeIdentity[] who = new NodeIdentity[clients];
        for (int i = 0; i < clients; i++) {
            who[i] = NodeIdentity.generate();
        }
        int each = transfers / clients;
        List<List<SignedTransaction>> signed = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            List<SignedTransaction> mine = new ArrayList<>(each);
            for (int n = 0; n < each; n++) {
                mine.add(SignedTransaction.sign("mycel-bench", who[i], n, new Operation.Transfer(who[(i + 1) % clients].peerId(), 1)));
            }
            signed.add(mine);
        }
        try (EmbeddedLedger ledger = EmbeddedLedger.open(file, rules, System::currentTimeMillis);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                ledger.submit(SignedTransaction.sign("mycel-bench", mint, i, new Operation.Mint(who[i].peerId(), 1_000_000))).get();
            }
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                List<SignedTransaction> mine = signed.get(i);
                done.add(CompletableFuture.runAsync(() -> {
                    // Each client keeps its transfers in flight, as a node with many requests to pay does.
                    List<CompletableFuture<Receipt>> futures = new ArrayList<>(mine.size());
                    for (SignedTransaction tx : mine) {
                        futures.add(ledger.submit(tx));
                    }
                    futures.forEach(CompletableFuture::join);
                }, pool));
            }
            done.forEach(CompletableFuture::join);
            double rate = (long) each * clients / ((System.nanoTime() - t0) / 1e9);
            long[] sh = ledger.supplyAndHoldings();
            if (sh[0] != sh[1] || ledger.head().seq() != clients + (long) each * clients) {
                throw new IllegalStateException("the ledger lost transfers: " + ledger.head());
            }
            return rate;
        }
    }

    /** The EVM backend's voucher as a server checks it per request: the EIP-712 digest, then recovering the signer. */
    static double eip712VoucherVerification(int count) {
        org.web3j.crypto.ECKeyPair key = org.web3j.crypto.ECKeyPair.create(java.math.BigInteger.valueOf(20261207L).shiftLeft(100));
        String payer = org.web3j.crypto.Keys.toChecksumAddress(org.web3j.crypto.Keys.getAddress(key));
        dev.mycel.ledger.evm.Eip712 domain = new dev.mycel.ledger.evm.Eip712(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
        byte[] channel = Id.sha256(new byte[] {1}).bytes();
        byte[][] sigs = new byte[count][];
        for (int i = 0; i < count; i++) {
            sigs[i] = dev.mycel.ledger.evm.Eip712.sign(domain.voucherDigest(channel, i + 1, java.math.BigInteger.valueOf(i + 1)), key);
        }
        for (int i = 0; i < count / 4; i++) {
            dev.mycel.ledger.evm.Eip712.recover(domain.voucherDigest(channel, i + 1, java.math.BigInteger.valueOf(i + 1)), sigs[i]);
        }
        long t0 = System.nanoTime();
        int ok = 0;
        for (int i = 0; i < count; i++) {
            String signer = dev.mycel.ledger.evm.Eip712.recover(domain.voucherDigest(channel, i + 1, java.math.BigInteger.valueOf(i + 1)),
                    sigs[i]);
            ok += payer.equalsIgnoreCase(signer) ? 1 : 0;
        }
        double micros = (System.nanoTime() - t0) / 1e3 / count;
        if (ok != count) {
            throw new IllegalStateException(ok + " of " + count + " EIP-712 vouchers verified");
        }
        return micros;
    }

    static double voucherVerification(int count) {
        NodeIdentity payer = NodeIdentity.generate();
        Id channel = Id.sha256(new byte[] {1});
        byte[][] sigs = new byte[count][];
        for (int i = 0; i < count; i++) {
            sigs[i] = Terms.signVoucher(payer, "mycel-bench", channel, i + 1);
        }
        for (int i = 0; i < count / 4; i++) {
            Terms.voucherValid(payer.peerId(), "mycel-bench", channel, i + 1, sigs[i]);
        }
        long t0 = System.nanoTime();
        int ok = 0;
        for (int i = 0; i < count; i++) {
            ok += Terms.voucherValid(payer.peerId(), "mycel-bench", channel, i + 1, sigs[i]) ? 1 : 0;
        }
        double micros = (System.nanoTime() - t0) / 1e3 / count;
        if (ok != count) {
            throw new IllegalStateException(ok + " of " + count + " vouchers verified");
        }
        return micros;
    }
}
