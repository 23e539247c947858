package dev.mycel.node.cli;

/** A problem the user can fix (bad option, missing file); shown as one line, no stack trace. */
final class UserException extends RuntimeException {
    private final boolean usage;

    UserException(String message) {
        this(message, false);
    }

    /** @param usage true when the command line itself is wrong (exit code 2) */
    UserException(String message, boolean usage) {
        super(message);
        this.usage = usage;
    }

    boolean usage() {
        return usage;
    }
}
