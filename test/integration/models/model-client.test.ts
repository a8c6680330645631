import { describe, expect, it } from 'vitest';
import { ModelCallError, ModelClient, type ModelClientOptions } from '../../../src/models/model-client.ts';
import { RequestGovernor } from '../../../src/models/request-governor.ts';
import { type ModelApi, type ModelApiOptions, startModelApi } from '../../fakes/model-api.ts';
import { useClosers } from '../../support/closers.ts';
import { expectRejection } from '../../support/rejection.ts';

const track = useClosers();

async function start(options: ModelApiOptions = {}): Promise<ModelApi> {
  const api = await startModelApi(options);
  track(api.close);
  return api;
}

/** Short waits between retries: these tests are about what is retried, not how long the waits are. */
function clientFor(api: ModelApi, options: ModelClientOptions = {}): ModelClient {
  return new ModelClient({ baseURL: api.baseURL, apiKey: api.apiKey }, { retryDelayMs: 5, ...options });
}

/**
 * Virtual time shared by the fake's rate limit and the governor: a pause "sleeps" by moving the clock,
 * so a Retry-After of 30 s costs nothing and the bucket refills as if 30 s had gone by.
 */
function virtualTime() {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
}

const chat = (text: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });

describe('ModelClient', () => {
  it('sends a chat completion with the key as a bearer token and returns the answer', async () => {
    const api = await start();
    const client = clientFor(api);
    const completion = await client.createChatCompletion({ ...chat('hello there'), temperature: 0 });
    expect(completion.choices[0]?.message.content).toBe('hello there');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${api.apiKey}`);
    expect(api.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0 });
    expect(client.stats()).toEqual({ requests: 1, rateLimited: 0, retried: 0, failed: 0 });
  });

  it("sends the endpoint's query with every request, and never a piece of its secret values in a message", async () => {
    const secret = 'query-secret-0123456789abcdef';
    let pad = 0;
    // A server error that quotes the query value, wherever the 600-character message is cut.
    const api = await start({ chat: () => ({ status: 400, body: { error: { message: `${'x'.repeat(pad)} ${secret}`, type: 'invalid_request_error' } } }) });
    const client = new ModelClient({ baseURL: api.baseURL, apiKey: api.apiKey, query: { 'api-version': 'preview', code: secret } }, { retryDelayMs: 5 });

    let redacted = 0;
    for (pad = 500; pad <= 600; pad += 4) {
      const error = await expectRejection(client.createChatCompletion(chat('hi')), ModelCallError);
      if (error.message.includes('***')) redacted++;
      for (let length = 4; length <= secret.length; length++) expect(error.message, `pad ${pad}`).not.toContain(secret.slice(0, length));
    }
    expect(redacted).toBeGreaterThan(0);
    expect(api.requests[0]?.query).toEqual({ 'api-version': 'preview', code: secret });
  });

  it('calls the responses and embeddings endpoints', async () => {
    const api = await start({ embed: (text) => [text.length, 1] });
    const client = clientFor(api);
    const response = await client.createResponse({ model: 'gpt-4.1', input: [{ role: 'user', content: 'ping' }] });
    expect(response.output?.[0]?.content?.[0]?.text).toBe('ping');

    const vectors = await client.createEmbeddings({ model: 'text-embedding-3-small', input: ['a', 'abc'] });
    expect(vectors).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(api.requests[1]?.body.encoding_format).toBe('float');
  });

  it('sends no Authorization header when the key is empty (self-hosted endpoints)', async () => {
    const api = await start();
    const client = new ModelClient({ baseURL: api.baseURL, apiKey: '' });
    const error = await expectRejection(client.createChatCompletion(chat('hi')), ModelCallError);
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
    expect(error.status).toBe(401);
    expect(error.message).toContain("You didn't provide an API key");
  });

  it('gets through a storm of 429s by pausing every request for the Retry-After time', async () => {
    const time = virtualTime();
    const api = await start({ rateLimit: { requests: 2 }, now: time.now });
    const governor = new RequestGovernor({ maxConcurrency: 4, now: time.now, sleep: time.sleep });
    const lines: string[] = [];
    const client = clientFor(api, { governor, log: (line) => lines.push(line) });

    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => client.createChatCompletion(chat(`question ${i}`))));

    expect(answers.map((answer) => answer.choices[0]?.message.content)).toEqual(Array.from({ length: 6 }, (_, i) => `question ${i}`));
    const refused = api.requests.filter((request) => request.outcome === 'rate_limited');
    expect(refused.length).toBeGreaterThan(0);
    expect(client.stats()).toMatchObject({ rateLimited: refused.length, failed: 0, requests: api.requests.length });
    // Nothing was sent while a pause asked for by a 429 was running.
    for (const refusal of refused) {
      const until = refusal.at + Number(refusal.responseHeaders['retry-after']) * 1000;
      expect(api.requests.filter((request) => request.at > refusal.at && request.at < until)).toEqual([]);
    }
    expect(governor.state().limit).toBeLessThan(4);
    // One line per slowdown, not one per refusal.
    expect(lines[0]).toBe('The model endpoint answered 429 (too many requests): pausing 30 s; at most 2 model requests at once from now on.');
    expect(lines.length).toBeLessThan(refused.length);
  });

  it('uses a rate-limited endpoint close to its limit, with few refusals', async () => {
    const time = virtualTime();
    const api = await start({ rateLimit: { requests: 20 }, now: time.now });
    const client = clientFor(api, { governor: new RequestGovernor({ maxConcurrency: 8, now: time.now, sleep: time.sleep }) });

    await Promise.all(Array.from({ length: 100 }, (_, i) => client.createChatCompletion(chat(String(i)))));

    // 20 at once, then 80 more at 20 a minute: 4 minutes at best.
    expect(time.now()).toBeLessThan(1.5 * 4 * 60_000);
    expect(api.stats()).toMatchObject({ accepted: 100 });
    expect(api.stats().refused).toBeLessThan(15);
    const perMinute = api.timeline(60_000);
    expect(perMinute.reduce((sum, minute) => sum + minute.accepted, 0)).toBe(100);
    // The first minute has the full bucket and its refill; later ones only the refill, give or take one.
    for (const minute of perMinute.slice(1)) expect(minute.accepted).toBeLessThanOrEqual(21);
  });

  it('honours retry-after-ms', async () => {
    const time = virtualTime();
    const api = await start({ rateLimit: { requests: 1, windowMs: 10_000, retryAfter: 'ms' }, now: time.now });
    const client = clientFor(api, { governor: new RequestGovernor({ now: time.now, sleep: time.sleep }) });
    await client.createChatCompletion(chat('one'));
    await client.createChatCompletion(chat('two'));
    const [, refusal, retry] = api.requests;
    expect(refusal?.outcome).toBe('rate_limited');
    expect(refusal?.responseHeaders['retry-after-ms']).toBe('10000');
    expect(retry?.outcome).toBe('accepted');
    expect(retry?.at).toBe(10_000);
  });

  it('retries 500s and lost connections, then succeeds', async () => {
    const api = await start({ faults: { resetFirst: 1, failFirst: 2 } });
    const lines: string[] = [];
    const client = clientFor(api, { log: (line) => lines.push(line) });
    const completion = await client.createChatCompletion(chat('eventually'));
    expect(completion.choices[0]?.message.content).toBe('eventually');
    expect(api.requests.map((request) => request.status)).toEqual([null, 500, 500, 200]);
    expect(client.stats()).toEqual({ requests: 4, rateLimited: 0, retried: 3, failed: 0 });
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^chat completion with model "gpt-4o-mini": 500 The server had an error.*; retrying in .* \(attempt 3 of 6\)\.$/);
  });

  it('does not retry a 400, and says what the server said', async () => {
    const api = await start({
      chat: () => ({ status: 400, body: { error: { message: "Unsupported value: 'temperature'", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' } } }),
    });
    const client = clientFor(api);
    const error = await expectRejection(client.createChatCompletion({ ...chat('x'), temperature: 0 }), ModelCallError);
    expect(error.message).toBe(`chat completion with model "gpt-4o-mini" failed: 400 Unsupported value: 'temperature' [unsupported_value]`);
    expect(error).toMatchObject({ status: 400, attempts: 1 });
    expect(api.requests).toHaveLength(1);
    expect(client.stats()).toEqual({ requests: 1, rateLimited: 0, retried: 0, failed: 1 });
  });

  it('does not retry a wrong key, and keeps the key out of the error', async () => {
    const api = await start();
    const key = 'sk-wrong-key-0123456789abcdef';
    const client = new ModelClient({ baseURL: api.baseURL, apiKey: key }, { retryDelayMs: 5 });
    const error = await expectRejection(client.createChatCompletion(chat('x')), ModelCallError);
    expect(error.status).toBe(401);
    expect(api.requests).toHaveLength(1);
    expect(error.message).toMatch(/^chat completion with model "gpt-4o-mini" failed: 401 Incorrect API key provided/);
    expect(error.message).not.toContain(key);
  });

  it('does not retry a 429 that says the quota is used up', async () => {
    const api = await start({
      chat: () => ({ status: 429, body: { error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } }),
    });
    const client = clientFor(api);
    const error = await expectRejection(client.createChatCompletion(chat('x')), ModelCallError);
    expect(error.message).toContain('429 You exceeded your current quota.');
    expect(api.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts with one line that names the model and never the key', async () => {
    const api = await start();
    // A server that echoes the key in its error message.
    api.update({ chat: () => ({ status: 503, body: { error: { message: `Overloaded\nfor key ${api.apiKey}`, type: 'server_error', param: null, code: null } } }) });
    const client = clientFor(api, { maxAttempts: 3 });
    const error = await expectRejection(client.createChatCompletion(chat('x')), ModelCallError);
    expect(error.message).toBe('chat completion with model "gpt-4o-mini" failed after 3 attempts: 503 Overloaded for key ***');
    expect(error).toMatchObject({ status: 503, attempts: 3 });
    expect(JSON.stringify(error)).not.toContain(api.apiKey);
    expect(error.cause).toBeUndefined();
    expect(api.requests).toHaveLength(3);
    expect(client.stats()).toEqual({ requests: 3, rateLimited: 0, retried: 2, failed: 1 });
  });

  it('retries a request that times out, and says so when it keeps timing out', async () => {
    const api = await start({ faults: { delayMs: 2000 } });
    const client = clientFor(api, { timeoutMs: 50, maxAttempts: 2 });
    const error = await expectRejection(client.createChatCompletion(chat('slow')), ModelCallError);
    expect(error.message).toBe(`chat completion with model "gpt-4o-mini" failed after 2 attempts: no answer from ${api.baseURL} within 0.05 s`);
    expect(error.status).toBeNull();
  });

  it('says it could not connect when nothing listens', async () => {
    const api = await start();
    await api.close();
    const client = clientFor(api, { maxAttempts: 2 });
    const error = await expectRejection(client.createEmbeddings({ model: 'text-embedding-3-small', input: ['x'] }), ModelCallError);
    expect(error.message).toMatch(new RegExp(`^embeddings with model "text-embedding-3-small" failed after 2 attempts: could not connect to ${api.baseURL.replace(/[./]/g, '\\$&')} \\(.*ECONNREFUSED`));
  });

  it('stops a request in flight when the signal aborts', async () => {
    const api = await start({ faults: { delayMs: 5000 } });
    const client = clientFor(api);
    const controller = new AbortController();
    const call = client.createChatCompletion(chat('x'), controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(client.stats()).toMatchObject({ requests: 1, failed: 0, retried: 0 });
  });

  it('stops waiting out a pause when the signal aborts', async () => {
    const api = await start({ rateLimit: { requests: 1, windowMs: 600_000 } });
    const client = clientFor(api);
    await client.createChatCompletion(chat('first'));
    const controller = new AbortController();
    const call = client.createChatCompletion(chat('second'), controller.signal);
    // The 429 asks for a 60 s pause (capped); the abort must not wait for it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(api.requests.map((request) => request.outcome)).toEqual(['accepted', 'rate_limited']);
  });

  it('keeps at most maxConcurrency requests in flight', async () => {
    const api = await start({ faults: { delayMs: 30 } });
    const client = clientFor(api, { maxConcurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => client.createChatCompletion(chat(String(i)))));
    expect(api.stats().maxInFlight).toBe(2);
  });
});
