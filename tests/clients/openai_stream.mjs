// The official openai package as a user runs it, reading a worker's OpenAI-compatible streams.
// Usage: node openai_stream.mjs BASE_URL MAX_TOKENS  (prints one JSON line of what it read)
import OpenAI from "openai";

const [baseURL, maxTokensText] = process.argv.slice(2);
const maxTokens = Number(maxTokensText);
const client = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY ?? "none", maxRetries: 0, timeout: 30000 });

const models = await client.models.list();
const model = models.data[0].id;

// Chat: every chunk's content, the finish reason and the usage chunk asked for.
const chat = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: "The capital of France is" }],
  max_tokens: maxTokens,
  stream: true,
  stream_options: { include_usage: true },
});
const result = { model, chat: { ids: new Set(), pieces: 0, text: "", finish: null, usage: null } };
for await (const chunk of chat) {
  result.chat.ids.add(chunk.id);
  const choice = chunk.choices[0];
  if (choice?.delta?.content) {
    result.chat.pieces += 1;
    result.chat.text += choice.delta.content;
  }
  if (choice?.finish_reason) result.chat.finish = choice.finish_reason;
  if (chunk.usage) result.chat.usage = chunk.usage;
}
result.chat.ids = [...result.chat.ids];

// Text completion through the same client.
const completion = await client.completions.create({ model, prompt: "Once upon a time", max_tokens: maxTokens, stream: true });
result.completion = { pieces: 0, finish: null };
for await (const chunk of completion) {
  if (chunk.choices[0]?.text) result.completion.pieces += 1;
  if (chunk.choices[0]?.finish_reason) result.completion.finish = chunk.choices[0].finish_reason;
}

// A request the worker must refuse: the client raises the API's error with its status.
try {
  await client.chat.completions.create({ model: "hivetest-no-such-model", messages: [{ role: "user", content: "x" }] });
  result.unknown_model = "accepted";
} catch (e) {
  result.unknown_model = e.status ?? String(e);
}
console.log(JSON.stringify(result));
