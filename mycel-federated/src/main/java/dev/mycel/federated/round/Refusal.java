package dev.mycel.federated.round;

/** A client whose reply a round did not use, and why (logged and published in the round record). */
public record Refusal(String clientId, String reason) {
}
