package dev.mycel.inference.client;

/** No usable server covers some blocks of the model. */
public final class NoRouteException extends RuntimeException {
    public NoRouteException(String message) {
        super(message);
    }
}
