package dev.mycel.inference.client;

/**
 * A server caught lying had earlier given wrong results that were already used, so what was
 * generated since then cannot be trusted: the generation must start again (without that server).
 */
public final class TaintedHistoryException extends RuntimeException {
    public TaintedHistoryException(String message) {
        super(message);
    }
}
