/**
 * Exporting trained models to files that inference engines run: a Llama-shaped model with a
 * character vocabulary to GGUF ({@link dev.mycel.train.export.LlamaGgufExporter}), loaded as it is
 * by Mycel's engine and by llama.cpp, which tokenize text into the same one-token-per-character
 * ids the model was trained on ({@link dev.mycel.train.export.CharVocabulary}).
 */
package dev.mycel.train.export;
