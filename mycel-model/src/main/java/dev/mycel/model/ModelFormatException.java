package dev.mycel.model;

/**
 * A model, tokenizer or configuration file that cannot be used: truncated, corrupt, of an
 * unsupported kind, or inconsistent. The message is one line that names the file and the
 * problem, fit to show to a user as it is.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
