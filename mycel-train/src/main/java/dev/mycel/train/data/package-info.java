/**
 * Training data with the same bits on every machine: the IDX format and the bundled MNIST
 * subset, text corpora with a character tokenizer and seeded batches, and the partitioners
 * that deal a data set out to federated clients.
 *
 * <p>Everything random here draws from {@link dev.mycel.train.data.SeededRandom}, whose
 * generator and derived distributions are specified to the bit, so a seed gives the same
 * batches, shuffles and partitions on every JVM and CPU. Broken files fail with a
 * {@link dev.mycel.train.data.DatasetFormatException} whose message is one line naming the
 * file and what is wrong; bad parameters fail with an {@link IllegalArgumentException}.
 */
package dev.mycel.train.data;
