/**
 * Federated learning between Mycel nodes: rounds that sample clients, send the global model and
 * aggregate their updates through a {@code Strategy}; differential privacy with its accountants
 * ({@code privacy}); secure aggregation; Byzantine-robust rules; and round records that any
 * participant can recompute bit for bit. Raw training data never leaves its owner's node: only
 * model updates travel.
 */
package dev.mycel.federated;
