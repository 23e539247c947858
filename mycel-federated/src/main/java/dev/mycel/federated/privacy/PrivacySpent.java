package dev.mycel.federated.privacy;

/**
 * An (ε, δ) guarantee: ε for the δ asked, and for the RDP accountant the order α that gave the
 * smallest ε (NaN for accountants without orders).
 */
public record PrivacySpent(double epsilon, double delta, double order) {
}
