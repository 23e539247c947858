/**
 * Tokenizers and chat prompt formats for the single-node engine.
 *
 * <p>{@link dev.mycel.model.tokenizer.Tokenizers} loads a {@link dev.mycel.model.tokenizer.Tokenizer}
 * from a GGUF file's {@code tokenizer.ggml.*} metadata or from a Hugging Face {@code tokenizer.json}.
 * Encoding reproduces llama.cpp's {@code llama_tokenize} (checked against llama.cpp's own tokenizer
 * test vectors in {@code testdata/golden/tokenizer}); decoding works in bytes, and
 * {@link dev.mycel.model.tokenizer.StreamingDecoder} turns generated tokens into text as they come.
 * {@link dev.mycel.model.tokenizer.ChatTemplate} renders a conversation in the model's prompt format.
 *
 * <p>Typical use:
 * <pre>{@code
 * Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
 * ChatTemplate chat = ChatTemplate.forTokenizer(tokenizer).orElseThrow();
 * int[] prompt = chat.encode(tokenizer, List.of(ChatMessage.user("Hello!")), true);
 * StreamingDecoder out = new StreamingDecoder(tokenizer);
 * // for each generated id, until tokenizer.isEndOfGeneration(id):
 * System.out.print(out.next(id));
 * }</pre>
 */
package dev.mycel.model.tokenizer;
