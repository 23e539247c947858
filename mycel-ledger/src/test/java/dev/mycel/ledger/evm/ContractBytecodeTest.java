package dev.mycel.ledger.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed ABI and bytecode are what {@code scripts/compile-contracts.sh} makes from the
 * committed Solidity source with the pinned solc and OpenZeppelin (npm, the first run needs the
 * registry): nobody can change the contract's behaviour without changing its source.
 */
class ContractBytecodeTest {
    @TempDir
    Path out;

    @Test
    void theCommittedBytecodeIsWhatTheSourceCompilesTo() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Process p = new ProcessBuilder("bash", "scripts/compile-contracts.sh", out.toString()).directory(root.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), "scripts/compile-contracts.sh failed:\n" + log);
        Path committed = root.resolve("mycel-ledger/src/main/resources/dev/mycel/ledger/evm");
        for (String f : new String[] {"MycelLedger.bin", "MycelLedger.abi.json"}) {
            assertEquals(Files.readString(committed.resolve(f)), Files.readString(out.resolve(f)),
                    f + " differs from what the source compiles to: run scripts/compile-contracts.sh and commit the result");
        }
    }
}
