package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/find-java.sh}, which both {@code mycel} and {@code mvnw} use to find a Java 25
 * when the default {@code java} is older: run against fake JDK folders (tiny scripts that answer
 * {@code -XshowSettings} like a JVM), and once for real through {@code mvnw -v}.
 */
@DisabledOnOs(OS.WINDOWS)
@Timeout(120)
class FindJavaTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

    @TempDir
    Path dir;

    /** A fake JDK home whose bin/java reports the given major version and this home. */
    private Path fakeJdk(Path home, int major) throws IOException {
        Path java = home.resolve("bin/java");
        Files.createDirectories(java.getParent());
        Files.writeString(java, """
                #!/bin/sh
                echo "Property settings:" >&2
                echo "    java.home = %s" >&2
                echo "    java.specification.version = %d" >&2
                echo "openjdk version \\"%d\\"" >&2
                """.formatted(home, major, major));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private record Run(int exitCode, String out, String err) {
    }

    /** Runs a command with JAVA_HOME removed, {@code pathFirst} ahead of PATH, and extra variables. */
    private static Run run(List<String> cmd, Path pathFirst, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("PATH", pathFirst + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("find-java", ".out");
        Path err = Files.createTempFile("find-java", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "timed out: " + cmd);
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private Run findJava(Path pathFirst, Map<String, String> env) throws Exception {
        return run(List.of(ROOT.resolve("scripts/find-java.sh").toString(), "test"), pathFirst, env);
    }

    @Test
    void aJdk25InstalledBesideAnOlderDefaultJavaIsChosen() throws Exception {
        Path old = fakeJdk(dir.resolve("old"), 17);
        Path jvms = dir.resolve("jvm");
        fakeJdk(jvms.resolve("java-17-openjdk"), 17);
        Path jdk25 = fakeJdk(jvms.resolve("temurin-25-jdk"), 25);

        Run r = findJava(old.resolve("bin"), Map.of("MYCEL_JVM_ROOTS", dir.resolve("none") + " " + jvms));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(jdk25 + "\n", r.out());
    }

    @Test
    void aDefaultJava25IsKeptWithoutSearching() throws Exception {
        Path onPath = fakeJdk(dir.resolve("default"), 25);
        Path jvms = dir.resolve("jvm");
        fakeJdk(jvms.resolve("temurin-26-jdk"), 26);

        Run r = findJava(onPath.resolve("bin"), Map.of("MYCEL_JVM_ROOTS", jvms.toString()));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(onPath + "\n", r.out());
    }

    @Test
    void anOlderJavaHomeIsNamedAndRefused() throws Exception {
        Path old = fakeJdk(dir.resolve("old"), 17);
        Path jvms = dir.resolve("jvm");
        fakeJdk(jvms.resolve("temurin-25-jdk"), 25);

        Run r = findJava(old.resolve("bin"), Map.of("JAVA_HOME", old.toString(), "MYCEL_JVM_ROOTS", jvms.toString()));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("test: Mycel needs Java 25 or newer, but JAVA_HOME (" + old + ") is Java 17"), r.err());
    }

    @Test
    void onlyAnOlderJavaAnywhereIsRefusedWithItsVersion() throws Exception {
        Path old = fakeJdk(dir.resolve("old"), 17);
        Path jvms = dir.resolve("jvm");
        fakeJdk(jvms.resolve("java-21-openjdk"), 21);

        Run r = findJava(old.resolve("bin"), Map.of("MYCEL_JVM_ROOTS", jvms.toString()));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("but the java on PATH (" + old.resolve("bin/java") + ") is Java 17"), r.err());
        assertTrue(r.err().contains("install a JDK 25"), r.err());
    }

    /**
     * The README's test command needs no JAVA_HOME: with an old java first on PATH, mvnw runs Maven
     * on the JDK 25 it finds (this test's own JVM, linked into a fake JVM folder), where Java 17
     * would refuse .mvn/jvm.config's options.
     */
    @Test
    void mvnwRunsMavenOnTheJdk25ItFindsWithoutJavaHome() throws Exception {
        Path old = fakeJdk(dir.resolve("old"), 17);
        Path jvms = Files.createDirectories(dir.resolve("jvm"));
        Files.createSymbolicLink(jvms.resolve("this-jdk"), Path.of(System.getProperty("java.home")));

        Run r = run(List.of(ROOT.resolve("mvnw").toString(), "-v"), old.resolve("bin"),
                Map.of("MYCEL_JVM_ROOTS", jvms.toString()));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("Java version: " + Runtime.version().feature()), r.out());
        assertTrue(r.out().contains("runtime: " + Path.of(System.getProperty("java.home")).toRealPath()), r.out());
    }
}
