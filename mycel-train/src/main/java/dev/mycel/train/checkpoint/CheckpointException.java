package dev.mycel.train.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint that cannot be loaded (damaged, of another format version, of another model or
 * optimiser) or that was refused at saving (NaN or infinite values). The message is one line that
 * names the file and the problem.
 */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** For a message that already names the file. */
    CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
