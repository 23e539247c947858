package dev.mycel.node.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Defaults that depend on where Mycel is installed. */
final class Defaults {
    /** The model that ships with Mycel, relative to the installation. */
    static final String SHIPPED_MODEL = "models/stories260K.gguf";

    private Defaults() {
    }

    /**
     * The installation directory: set by the launcher (-Dmycel.home), else found from where the
     * jar or classes lie (the repository holds them in mycel-node/target), else the working
     * directory.
     */
    static Path home() {
        String home = System.getProperty("mycel.home");
        if (home != null) {
            return Path.of(home).toAbsolutePath();
        }
        try {
            Path code = Path.of(Defaults.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                if (Files.exists(p.resolve(SHIPPED_MODEL))) {
                    return p;
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // No usable code location: fall back on the working directory.
        }
        return Path.of("").toAbsolutePath();
    }

    /** The model to use when none is given: the shipped one. */
    static Path model(Path given) {
        if (given != null) {
            return given;
        }
        Path shipped = home().resolve(SHIPPED_MODEL);
        if (!Files.exists(shipped)) {
            throw new UserException("no --model given and the shipped model " + shipped + " is missing", true);
        }
        return shipped;
    }

    /** Threads to use by default: every core this process may use. */
    static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
