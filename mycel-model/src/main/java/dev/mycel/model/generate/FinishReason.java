package dev.mycel.model.generate;

/** Why a generation ended; the names follow OpenAI's {@code finish_reason}. */
public enum FinishReason {
    /** The model produced an end-of-generation token or a stop sequence. */
    STOP,
    /** The token limit (or the context) was reached. */
    LENGTH
}
