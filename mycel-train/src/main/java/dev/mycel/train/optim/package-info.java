/**
 * Optimisers, learning-rate schedules and gradient utilities that give the same bits on every
 * machine.
 *
 * <p>Every optimiser updates each element on its own with one documented float formula (its
 * class Javadoc spells it out operation by operation); the few scalars that depend on the step
 * (bias corrections, the decoupled decay factor, the learning rate) are computed once per step
 * in double, with {@link java.lang.StrictMath} where a transcendental function is needed, and
 * cast to float once. Java's float and double arithmetic is the same on every JVM, so the same
 * parameters, gradients, state and learning rate give the same new bits everywhere. Sums over
 * many elements ({@link dev.mycel.train.optim.Gradients#globalNorm the gradient norm}) run in one
 * fixed sequential order.
 *
 * <p>The options follow PyTorch's {@code torch.optim} ({@code SGD}, {@code Adam}, {@code AdamW})
 * so that a user gets what they expect; the learning rate is given to every {@link
 * dev.mycel.train.optim.Optimizer#step step}, usually by an {@link
 * dev.mycel.train.optim.LrSchedule}, a pure function of the step number.
 *
 * <p>A typical step, with gradient accumulation over {@code k} micro-batches:
 *
 * <pre>{@code
 * optimizer.zeroGrad();
 * for (int micro = 0; micro < k; micro++) {
 *     Tape tape = new Tape(pool, true, optimizer.stepCount());
 *     Tensor loss = model.loss(tape, batch(micro));   // the mean loss of the micro-batch
 *     tape.backward(loss);                            // adds into the gradients
 * }
 * Gradients.averageMicroBatches(params, k);           // sum / k, element by element
 * double norm = Gradients.clipByGlobalNorm(params, 1.0);
 * optimizer.step(schedule);                           // refuses NaN or infinite gradients
 * }</pre>
 */
package dev.mycel.train.optim;
