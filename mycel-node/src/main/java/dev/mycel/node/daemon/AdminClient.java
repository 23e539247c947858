package dev.mycel.node.daemon;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Talks to the admin API of the node running on a data folder, found through its
 * {@code node.json} and {@code admin.token}. Errors are one line saying what to do.
 */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** DHT lookups take a few round trips at most; status answers at once. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** One client for the process: it keeps its threads and connections for every request. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    private final String base;
    private final String token;
    private final Path dataDir;
    private final NodeInfo info;

    private AdminClient(Path dataDir, NodeInfo info, String token) {
        this.dataDir = dataDir;
        this.info = info;
        this.base = "http://" + info.admin();
        this.token = token;
    }

    /** The node running on the data folder, or an error that says how to start one. */
    public static AdminClient forDataDir(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        String start = "start one with: mycel node start --data " + dir;
        NodeInfo info = NodeInfo.read(dir).orElseThrow(() -> new NodeException("no node is running on " + dir + "; " + start));
        if (!info.alive() || !locked(dir)) {
            throw new NodeException("no node is running on " + dir + " (the node with pid " + info.pid()
                    + " ended without cleaning up); " + start);
        }
        String token;
        try {
            token = Files.readString(dir.resolve(DataDir.TOKEN_FILE)).strip();
        } catch (NoSuchFileException e) {
            throw new NodeException("the node on " + dir + " has no " + DataDir.TOKEN_FILE + "; restart it");
        } catch (IOException e) {
            throw new NodeException("cannot read " + dir.resolve(DataDir.TOKEN_FILE) + ": " + e.getMessage());
        }
        return new AdminClient(dir, info, token);
    }

    /** Whether a node holds the folder's lock: unlike a pid, which the system reuses, the lock dies with its node. */
    private static boolean locked(Path dir) {
        try {
            return DataDir.inUse(dir);
        } catch (IOException e) {
            return true; // cannot tell (no write access): let the connection attempt decide
        }
    }

    public NodeInfo info() {
        return info;
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public JsonNode post(String path, JsonNode body) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = HTTP.send(request.header("Authorization", "Bearer " + token).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new NodeException("the node on " + dataDir + " (pid " + info.pid() + ") does not answer at "
                    + info.admin() + "; it may still be starting or stopping");
        } catch (HttpTimeoutException e) {
            throw new NodeException("the node on " + dataDir + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new NodeException("talking to the node on " + dataDir + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException("interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (JacksonException e) {
            body = null;
        }
        if (r.statusCode() != 200) {
            String message = body != null && body.path("error").isTextual() ? body.path("error").asText()
                    : "HTTP " + r.statusCode();
            throw new NodeException(message);
        }
        if (body == null || !body.isObject()) {
            throw new NodeException("the node answered with something that is not JSON");
        }
        return body;
    }
}
