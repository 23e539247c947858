package dev.mycel.node.daemon;

/**
 * A problem with running a node that the user can fix: a bad config value, a data folder that
 * another node holds, no node running where a command looked. The message is one line that
 * says what is wrong and, where it can, what to do.
 */
public class NodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NodeException(String message) {
        super(message);
    }

    public NodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
