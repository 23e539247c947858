package dev.mycel.ledger.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * A real local chain for the EVM backend's tests: anvil 1.7.1, the native binary that the npm
 * package {@code @foundry-rs/anvil-linux-amd64} ships, installed by {@code npm ci} from the
 * package files beside this class (their lock pins it) into {@code target/evm-tools} of the
 * module running the test (this class is in mycel-ledger's test jar), and started on a free
 * loopback port. Node and npm come from Debian's packages through {@code scripts/ensure-node.sh}
 * when missing; elsewhere than Linux x86-64 the tests are skipped, saying why.
 */
public final class Anvil implements AutoCloseable {
    public static final long CHAIN_ID = 31337;
    private static final String SOURCE = "anvil/";
    private static final Path WORK = Path.of("target", "evm-tools");
    private final Process process;
    private final Web3j web3;
    private final HttpService http;
    private final String url;

    private Anvil(Process process, HttpService http, String url) {
        this.process = process;
        this.http = http;
        this.web3 = Web3j.build(http);
        this.url = url;
    }

    public static Anvil start() throws Exception {
        return start(false);
    }

    /**
     * Starts anvil; with {@code freeGas} its base fee and gas price are zero, so balances move by
     * exactly what the ledger's operations say (the wallet contract compares them exactly).
     */
    public static Anvil start(boolean freeGas) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "anvil's npm package is for Linux x86-64; on this machine run the EVM tests there");
        Path anvil = install();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(anvil.toString(), "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--chain-id", Long.toString(CHAIN_ID), "--silent", "--accounts", "1"));
        if (freeGas) {
            cmd.addAll(List.of("--base-fee", "0", "--gas-price", "0", "--disable-min-priority-fee"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(WORK.resolve("anvil-" + port + ".log").toFile()).start();
        String url = "http://127.0.0.1:" + port;
        HttpService http = new HttpService(url);
        Anvil chain = new Anvil(p, http, url);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                chain.web3.ethChainId().send();
                return chain;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    chain.close();
                    fail("anvil did not start on " + url + ": " + Files.readString(WORK.resolve("anvil-" + port + ".log")));
                }
                Thread.sleep(50);
            }
        }
    }

    /** Installs anvil with npm ci (once per lock file) and returns its binary. */
    private static synchronized Path install() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        Path binary = WORK.resolve("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        byte[] lock = packageFile("package-lock.json");
        boolean sameLock = Files.exists(WORK.resolve("package-lock.json"))
                && Arrays.equals(Files.readAllBytes(WORK.resolve("package-lock.json")), lock);
        if (sameLock && Files.isExecutable(binary)) {
            return binary.toAbsolutePath();
        }
        Files.write(WORK.resolve("package.json"), packageFile("package.json"));
        Files.write(WORK.resolve("package-lock.json"), lock);
        if (!onPath("npm")) {
            // Each module's tests run in the module's folder: the project's scripts are one up.
            run(Path.of("..").toAbsolutePath().normalize(), "bash", "scripts/ensure-node.sh");
        }
        run(WORK, "npm", "ci", "--no-audit", "--no-fund");
        if (!Files.isExecutable(binary)) {
            fail("npm ci did not install " + binary);
        }
        return binary.toAbsolutePath();
    }

    private static byte[] packageFile(String name) throws IOException {
        try (java.io.InputStream in = Anvil.class.getResourceAsStream(SOURCE + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + SOURCE + name);
            }
            return in.readAllBytes();
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " took over 300 s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed in " + dir.toAbsolutePath() + ":\n"
                + new String(out, StandardCharsets.UTF_8) + "\n(the first run needs the npm registry)");
    }

    public Web3j web3() {
        return web3;
    }

    public String url() {
        return url;
    }

    /** A fresh account with {@code ether} to spend, through anvil's own cheat call. */
    public Credentials fundedAccount(long seed, long ether) throws IOException {
        Credentials c = Credentials.create(ECKeyPair.create(BigInteger.valueOf(seed).add(BigInteger.TWO.pow(200))));
        rpc("anvil_setBalance", c.getAddress(), Numeric.toHexStringWithPrefix(BigInteger.TEN.pow(18).multiply(BigInteger.valueOf(ether))));
        return c;
    }

    /** Moves the chain's clock forward and mines a block, so the next transaction sees the new time. */
    public void advance(long seconds) throws IOException {
        rpc("evm_increaseTime", seconds);
        rpc("evm_mine");
    }

    public long now() throws IOException {
        return web3.ethGetBlockByNumber(org.web3j.protocol.core.DefaultBlockParameterName.LATEST, false).send().getBlock()
                .getTimestamp().longValueExact();
    }

    /** Sets an account's balance, through anvil's own cheat call. */
    public void setBalance(String address, BigInteger wei) throws IOException {
        rpc("anvil_setBalance", address, Numeric.toHexStringWithPrefix(wei));
    }

    public BigInteger balanceWei(String address) throws IOException {
        return web3.ethGetBalance(address, org.web3j.protocol.core.DefaultBlockParameterName.LATEST).send().getBalance();
    }

    private void rpc(String method, Object... params) throws IOException {
        Response<?> r = new Request<>(method, List.of(params), http, RawResponse.class).send();
        if (r.hasError()) {
            throw new IOException(method + ": " + r.getError().getMessage());
        }
    }

    /** Any JSON-RPC answer. */
    static final class RawResponse extends Response<Object> {
    }

    @Override
    public void close() {
        web3.shutdown();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
