package dev.mycel.train.data;

/**
 * A data file that cannot be used: missing, unreadable, truncated, corrupt, of an unsupported
 * kind, or inconsistent with its companion file. The message is one line that names the file
 * and the problem, fit to show to a user as it is.
 */
public class DatasetFormatException extends RuntimeException {
    public DatasetFormatException(String message) {
        super(message);
    }

    public DatasetFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
