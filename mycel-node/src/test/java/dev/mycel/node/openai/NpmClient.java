package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs OpenAI's npm {@code openai} client (pinned in {@code src/test/js/package-lock.json}) against
 * an API: {@code src/test/js/client.mjs} retrieves the model and a missing one, and chats plainly
 * (at the client's defaults), greedily and streamed, none with max_tokens. The client is installed
 * with {@code npm ci} into {@code target/npm-client}. Node.js and npm are required: without them
 * the caller fails and says what to install, rather than passing unseen.
 */
final class NpmClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCE = Path.of("src", "test", "js");
    private static final Path WORK = Path.of("target", "npm-client");

    private NpmClient() {
    }

    private static boolean onPath(String program, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(Path dir, int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // read on another thread so a chatty child cannot block on a full pipe while we wait
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(output lost: ").append(e.getMessage()).append(')');
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join();
            fail(String.join(" ", command) + " took over " + timeoutSeconds + " s:\n" + out);
        }
        reader.join();
        return new Run(p.exitValue(), out.toString());
    }

    /** Copies the client into target/ and installs its locked dependencies, unless they are already there. */
    private static void install() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        boolean sameLock = Files.exists(WORK.resolve("package-lock.json"))
                && Arrays.equals(Files.readAllBytes(WORK.resolve("package-lock.json")),
                        Files.readAllBytes(SOURCE.resolve("package-lock.json")));
        for (String f : List.of("package.json", "package-lock.json", "client.mjs")) {
            Files.copy(SOURCE.resolve(f), WORK.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (sameLock && Files.exists(WORK.resolve("node_modules/openai/package.json"))) {
            return;
        }
        Run ci = run(WORK, 300, "npm", "ci", "--no-audit", "--no-fund");
        assertEquals(0, ci.exitCode(), "npm ci failed in " + WORK.toAbsolutePath() + ":\n" + ci.output());
    }

    /** Fails, saying what to install, unless {@code node} and {@code npm} are on {@code path}. */
    static void requireNodeAndNpm(String path) {
        List<String> missing = new ArrayList<>();
        for (String program : List.of("node", "npm")) {
            if (!onPath(program, path)) {
                missing.add(program);
            }
        }
        if (!missing.isEmpty()) {
            fail(String.join(" and ", missing) + " not found on PATH: this test runs OpenAI's npm client, so install"
                    + " Node.js and npm (on Debian or Ubuntu: sudo apt-get install nodejs npm); scripts/ensure-node.sh, which"
                    + " this test runs, does that as root or with password-less sudo");
        }
    }

    /** Runs client.mjs against {@code api} and checks every answer against local generation. */
    static void checkAtDefaults(ShippedModelServer api) throws Exception {
        String path = System.getenv().getOrDefault("PATH", "");
        if (!onPath("node", path) || !onPath("npm", path)) {
            // A fresh machine: the project installs them itself, from Debian's packages.
            Run ensure = run(Path.of("..").toAbsolutePath().normalize(), 600, "bash", "scripts/ensure-node.sh");
            System.err.println(ensure.output());
        }
        requireNodeAndNpm(path);
        install();
        Run client = run(WORK, 120, "node", "client.mjs", api.base, ShippedModelServer.ID);
        assertEquals(0, client.exitCode(), client.output());
        List<String> lines = client.output().strip().lines().toList();
        JsonNode out = JSON.readTree(lines.getLast());

        assertEquals(ShippedModelServer.ID, out.get("retrieved").asText());
        assertEquals("404 model_not_found", out.get("missing").asText());
        assertFalse(out.at("/plain/content").asText().isBlank(), out.toString());
        assertTrue(out.at("/plain/usage/total_tokens").asInt() <= api.contextLength(), out.toString());
        String expected = api.greedyChat("Tell me a story.");
        assertEquals(expected, out.get("greedy").asText());
        assertEquals(expected, out.get("streamed").asText());
        String finish = out.get("streamedFinish").asText();
        assertTrue(finish.equals("stop") || finish.equals("length"), finish);
    }
}
