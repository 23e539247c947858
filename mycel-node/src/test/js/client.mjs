// Drives a Mycel node's OpenAI-compatible API with OpenAI's own npm client at its default
// settings (no max_tokens), and prints what came back as one JSON line for NpmOpenAiClientTest.
// Usage: node client.mjs BASE_URL MODEL
import OpenAI from 'openai';

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
const messages = [{ role: 'user', content: 'Tell me a story.' }];
const out = {};

out.retrieved = (await client.models.retrieve(model)).id;
try {
  await client.models.retrieve('no-such-model');
  out.missing = 'found';
} catch (e) {
  out.missing = `${e.status} ${e.error?.code}`;
}

// Everything at the client's defaults: the server picks temperature 1 and runs to the context's end or EOS.
const plain = await client.chat.completions.create({ model, messages });
out.plain = { content: plain.choices[0].message.content, finish: plain.choices[0].finish_reason, usage: plain.usage };

// Greedy, so the test can compare with local generation; still no max_tokens.
const greedy = await client.chat.completions.create({ model, messages, temperature: 0 });
out.greedy = greedy.choices[0].message.content;

const stream = await client.chat.completions.create({ model, messages, temperature: 0, stream: true });
let streamed = '';
let finish = null;
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? '';
  finish = chunk.choices[0]?.finish_reason ?? finish;
}
out.streamed = streamed;
out.streamedFinish = finish;

console.log(JSON.stringify(out));
