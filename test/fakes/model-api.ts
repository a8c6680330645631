// A loopback fake of an OpenAI-compatible model endpoint (chat completions, responses, embeddings) for
// integration tests and the benchmark. The real `openai` SDK talks to it over HTTP on 127.0.0.1.
//
// What it copies from the real thing, on purpose:
// - Auth: `Authorization: Bearer <key>` only; otherwise 401 in OpenAI's envelope, code `invalid_api_key`,
//   echoing the key masked the way OpenAI does (`sk-wro***key`).
// - Rate limits: a token bucket of `requests` per `windowMs` (default one minute), refilled continuously
//   and starting full, so a burst of `requests` passes at once. OpenAI enforces RPM that way (quantised,
//   not per calendar minute). A refused request gets 429 with OpenAI's body (`type: "requests"`,
//   `code: "rate_limit_exceeded"`, "Please try again in Xs") and a `Retry-After` in whole seconds,
//   rounded up (so a client that obeys it waits a little longer than needed), or `retry-after-ms`, an
//   HTTP date, or nothing, as configured. Refused requests do not use up the bucket. Every answer carries
//   `x-ratelimit-limit-requests` / `x-ratelimit-remaining-requests` when a limit is set.
// - Answers shaped as OpenAI's: `chat.completion` with `usage.prompt_tokens_details.cached_tokens`,
//   `response` objects with `output[]` message parts (`output_text`) and `function_call` items, and
//   embeddings as floats or, when asked (`encoding_format: "base64"`, the SDK's default), as base64
//   little-endian float32.
//
// Choices of the fake:
// - Order of checks: auth (401), the path (404) and JSON body (400), the rate limit (429), the request's
//   required fields (400: model, messages/input), scripted faults, the delay, then the reply.
// - Default replies are deterministic: the last user message's text, echoed; for a `json_schema`
//   response format, a value of the schema (first enum value, strings "fake", numbers `minimum` or 1,
//   booleans true, arrays empty); for `json_object`, `{"echo": <text>}`.
// - Default usage: a token is 4 characters, rounded up, at least 1; nothing cached.
// - Default embeddings: counts of a–z, 0–9 and of other non-space characters, L2-normalised (37 numbers):
//   texts with the same letters are close, and nothing needs a model.
// - `faults.failFirst` / `faults.resetFirst` count requests that passed auth and the rate limit, on all
//   endpoints together; the resets come first. A reset destroys the socket before any answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ModelEndpointName = 'chat' | 'responses' | 'embeddings';

export type RequestOutcome = 'accepted' | 'rate_limited' | 'unauthorized' | 'fault' | 'scripted_error' | 'bad_request';

export interface RecordedModelRequest {
  endpoint: ModelEndpointName | 'unknown';
  path: string;
  /** The query string's parameters. */
  query: Record<string, string>;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** Milliseconds since the fake started (its `now`). */
  at: number;
  outcome: RequestOutcome;
  /** HTTP status answered; null for a reset connection. */
  status: number | null;
  /** Headers of the answer (`retry-after`…); empty for a reset connection. */
  responseHeaders: Record<string, string>;
}

/** What a reply script sees of a request, plus the request itself. */
export interface ReplyContext {
  body: Record<string, unknown>;
  model: string;
  /** Input messages, their content flattened to text. */
  messages: Array<{ role: string; content: string }>;
  /** The last user message's text ("" when there is none). */
  text: string;
  /** The JSON schema of a `json_schema` response format, if any. */
  schema: Record<string, unknown> | null;
  headers: Record<string, string>;
  /** 0-based, over all requests the endpoint accepted so far. */
  index: number;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
}

export interface ScriptedAnswer {
  content?: string | null;
  /** A refusal instead of content (chat `message.refusal`, a responses `refusal` part). */
  refusal?: string;
  toolCalls?: Array<{ name: string; arguments: string | Record<string, unknown> }>;
  /** Default `stop` (`tool_calls` when there are tool calls). `length` makes a responses answer `incomplete`. */
  finishReason?: string;
  usage?: Partial<TokenUsage>;
  /** The model the answer names. Default: the requested one. */
  model?: string;
}

export interface ScriptedFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A string is the answer's text. */
export type Reply = string | ScriptedAnswer | ScriptedFailure | { reset: true };

export type ReplyScript = (request: ReplyContext) => Reply | Promise<Reply>;

export interface RateLimitOptions {
  /** Requests allowed per window (the bucket's size and refill). */
  requests: number;
  /** Default 60,000 (requests per minute). */
  windowMs?: number;
  /** How a 429 says when to come back. Default `seconds` (`Retry-After: <whole seconds>`). */
  retryAfter?: 'seconds' | 'ms' | 'date' | 'none';
}

export interface FaultOptions {
  /** The first K requests answer 500. */
  failFirst?: number;
  /** The first K requests have their connection destroyed. */
  resetFirst?: number;
  /** Wait before answering (a number, or per request). */
  delayMs?: number | ((request: ReplyContext) => number);
}

export interface ModelApiOptions {
  /** Default `sk-fake-model-key-1234567890`. */
  apiKey?: string;
  chat?: ReplyScript;
  responses?: ReplyScript;
  /** One vector per text. */
  embed?: (text: string, model: string) => number[];
  rateLimit?: RateLimitOptions | null;
  faults?: FaultOptions;
  usage?: (request: ReplyContext, outputText: string) => Partial<TokenUsage>;
  /** Milliseconds, for the rate limit and `at`. Default `performance.now`. */
  now?: () => number;
}

export interface ModelApiStats {
  total: number;
  accepted: number;
  /** 429s of the rate limit. */
  refused: number;
  unauthorized: number;
  /** Scripted faults and scripted error replies. */
  errors: number;
  /** Most requests being handled at once. */
  maxInFlight: number;
}

export interface TimelineBucket {
  /** Start of the bucket, in milliseconds since the fake started. */
  from: number;
  accepted: number;
  refused: number;
}

export interface ModelApi {
  /** Ends in `/v1`, as the SDK wants it. */
  baseURL: string;
  apiKey: string;
  /** Every request, in arrival order. */
  requests: RecordedModelRequest[];
  stats(): ModelApiStats;
  /** Accepted and refused requests per `bucketMs` (default 1 s). */
  timeline(bucketMs?: number): TimelineBucket[];
  /** Changes the options from now on (counters of faults start again when `faults` is given). */
  update(options: Omit<ModelApiOptions, 'apiKey' | 'now'>): void;
  /** Stops the server and drops open connections; calling it again is harmless. */
  close(): Promise<void>;
}

const DEFAULT_KEY = 'sk-fake-model-key-1234567890';

export async function startModelApi(initial: ModelApiOptions = {}): Promise<ModelApi> {
  const apiKey = initial.apiKey ?? DEFAULT_KEY;
  const now = initial.now ?? (() => performance.now());
  const startedAt = now();
  let options: ModelApiOptions = { ...initial };
  const requests: RecordedModelRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let faultCount = 0;
  let acceptedCount = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let bucket = { tokens: options.rateLimit?.requests ?? 0, at: startedAt };
  let nextId = 1;

  function takeToken(): { ok: true } | { ok: false; waitMs: number } {
    const limit = options.rateLimit;
    if (!limit) return { ok: true };
    const perMs = limit.requests / (limit.windowMs ?? 60_000);
    const t = now();
    bucket = { tokens: Math.min(limit.requests, bucket.tokens + (t - bucket.at) * perMs), at: t };
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: (1 - bucket.tokens) / perMs };
  }

  function rateLimitHeaders(): Record<string, string> {
    const limit = options.rateLimit;
    if (!limit) return {};
    return { 'x-ratelimit-limit-requests': String(limit.requests), 'x-ratelimit-remaining-requests': String(Math.floor(bucket.tokens)) };
  }

  function wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const endpoint = endpointOf(req.method ?? 'GET', path);
    const headers = headerRecord(req);
    let body: Record<string, unknown> = {};
    const record: RecordedModelRequest = { endpoint: endpoint ?? 'unknown', path, query: Object.fromEntries(url.searchParams), body, headers, at: now() - startedAt, outcome: 'accepted', status: 200, responseHeaders: {} };
    requests.push(record);
    const answer = (status: number, payload: unknown, outcome: RequestOutcome, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      record.outcome = outcome;
      record.responseHeaders = { 'content-type': 'application/json', ...rateLimitHeaders(), ...extraHeaders };
      if (res.destroyed) return;
      res.writeHead(status, record.responseHeaders);
      res.end(JSON.stringify(payload));
    };

    const auth = headers.authorization ?? '';
    if (auth !== `Bearer ${apiKey}`) {
      const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
      const message = given
        ? `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return answer(401, envelope(message, 'invalid_request_error', given ? 'invalid_api_key' : null), 'unauthorized');
    }
    if (!endpoint) return answer(404, envelope(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null), 'bad_request');
    try {
      const parsed: unknown = JSON.parse(raw || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
      record.body = body;
    } catch {
      return answer(400, envelope('We could not parse the JSON body of your request.', 'invalid_request_error', null), 'bad_request');
    }

    const token = takeToken();
    if (!token.ok) {
      const limit = options.rateLimit as RateLimitOptions;
      const seconds = Math.max(1, Math.ceil(token.waitMs / 1000));
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      const message =
        `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit ${limit.requests}, ` +
        `Used ${limit.requests}, Requested 1. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`;
      return answer(429, envelope(message, 'requests', 'rate_limit_exceeded'), 'rate_limited', retryAfterHeaders(limit.retryAfter ?? 'seconds', token.waitMs));
    }

    const problem = invalidRequest(endpoint, body);
    if (problem) return answer(400, envelope(problem.message, 'invalid_request_error', null, problem.param), 'bad_request');

    const context = contextOf(endpoint, body, headers, acceptedCount);
    const faults = options.faults ?? {};
    const fault = faultCount++;
    if (fault < (faults.resetFirst ?? 0)) {
      record.outcome = 'fault';
      record.status = null;
      req.socket.destroy();
      return;
    }
    if (fault < (faults.resetFirst ?? 0) + (faults.failFirst ?? 0)) {
      return answer(500, envelope('The server had an error while processing your request. Sorry about that!', 'server_error', null), 'fault');
    }
    const delay = typeof faults.delayMs === 'function' ? faults.delayMs(context) : (faults.delayMs ?? 0);
    await wait(delay);

    if (endpoint === 'embeddings') {
      acceptedCount++;
      return answer(200, embeddingsAnswer(body, options.embed ?? bagOfLetters), 'accepted');
    }
    const script = (endpoint === 'chat' ? options.chat : options.responses) ?? defaultReply;
    const reply = await script(context);
    if (typeof reply === 'object' && 'reset' in reply) {
      record.outcome = 'fault';
      record.status = null;
      req.socket.destroy();
      return;
    }
    if (typeof reply === 'object' && 'status' in reply) {
      return answer(reply.status, reply.body ?? envelope(`Scripted error ${reply.status}`, 'server_error', null), 'scripted_error', reply.headers);
    }
    acceptedCount++;
    const scripted: ScriptedAnswer = typeof reply === 'string' ? { content: reply } : reply;
    const text = scripted.content ?? '';
    const usage = { ...defaultUsage(context, text), ...options.usage?.(context, text), ...scripted.usage };
    const id = nextId++;
    const payload = endpoint === 'chat' ? chatAnswer(id, context, scripted, usage) : responseAnswer(id, context, scripted, usage);
    return answer(200, payload, 'accepted');
  }

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    handle(req, res)
      .catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(envelope(`Fake failure: ${String(error)}`, 'server_error', null)));
        }
      })
      .finally(() => {
        inFlight--;
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    stats: () => ({
      total: requests.length,
      accepted: count(requests, 'accepted'),
      refused: count(requests, 'rate_limited'),
      unauthorized: count(requests, 'unauthorized'),
      errors: count(requests, 'fault') + count(requests, 'scripted_error'),
      maxInFlight,
    }),
    timeline: (bucketMs = 1000) => {
      const buckets: TimelineBucket[] = [];
      for (const request of requests) {
        const index = Math.floor(request.at / bucketMs);
        for (let i = buckets.length; i <= index; i++) buckets.push({ from: i * bucketMs, accepted: 0, refused: 0 });
        const bucketOf = buckets[index] as TimelineBucket;
        if (request.outcome === 'accepted') bucketOf.accepted++;
        if (request.outcome === 'rate_limited') bucketOf.refused++;
      }
      return buckets;
    },
    update: (changes) => {
      if (changes.rateLimit !== undefined && changes.rateLimit?.requests !== options.rateLimit?.requests) {
        bucket = { tokens: changes.rateLimit?.requests ?? 0, at: now() };
      }
      if (changes.faults) faultCount = 0;
      options = { ...options, ...changes };
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const entry of timers) {
          clearTimeout(entry.timer);
          entry.resolve();
        }
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function count(requests: RecordedModelRequest[], outcome: RequestOutcome): number {
  return requests.filter((request) => request.outcome === outcome).length;
}

function endpointOf(method: string, path: string): ModelEndpointName | null {
  if (method !== 'POST') return null;
  if (path === '/v1/chat/completions') return 'chat';
  if (path === '/v1/responses') return 'responses';
  if (path === '/v1/embeddings') return 'embeddings';
  return null;
}

function envelope(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 6)}***${key.slice(-4)}` : '***';
}

function retryAfterHeaders(style: NonNullable<RateLimitOptions['retryAfter']>, waitMs: number): Record<string, string> {
  switch (style) {
    case 'seconds':
      return { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) };
    case 'ms':
      return { 'retry-after-ms': String(Math.ceil(waitMs)) };
    case 'date':
      return { 'retry-after': new Date(Date.now() + Math.max(1000, waitMs)).toUTCString() };
    case 'none':
      return {};
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function invalidRequest(endpoint: ModelEndpointName, body: Record<string, unknown>): { message: string; param: string } | null {
  if (typeof body.model !== 'string' || body.model === '') return { message: 'you must provide a model parameter', param: 'model' };
  if (endpoint === 'chat' && (!Array.isArray(body.messages) || body.messages.length === 0)) {
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", param: 'messages' };
  }
  if (endpoint === 'responses' && !(typeof body.input === 'string' || Array.isArray(body.input))) {
    return { message: "Missing required parameter: 'input'.", param: 'input' };
  }
  if (endpoint === 'embeddings') {
    const input = body.input;
    const ok = typeof input === 'string' || (Array.isArray(input) && input.length > 0 && input.every((entry) => typeof entry === 'string'));
    if (!ok) return { message: "'input' must be a string or a non-empty array of strings.", param: 'input' };
  }
  return null;
}

function contextOf(endpoint: ModelEndpointName, body: Record<string, unknown>, headers: Record<string, string>, index: number): ReplyContext {
  const source = endpoint === 'chat' ? body.messages : body.input;
  const messages =
    typeof source === 'string'
      ? [{ role: 'user', content: source }]
      : Array.isArray(source)
        ? source.filter(isObject).map((message) => ({ role: typeof message.role === 'string' ? message.role : 'user', content: textOf(message.content) }))
        : [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  return { body, model: String(body.model), messages, text: lastUser?.content ?? '', schema: schemaOf(endpoint, body), headers, index };
}

function schemaOf(endpoint: ModelEndpointName, body: Record<string, unknown>): Record<string, unknown> | null {
  const format = endpoint === 'chat' ? body.response_format : isObject(body.text) ? body.text.format : undefined;
  if (!isObject(format) || format.type !== 'json_schema') return null;
  // Chat nests the schema under `json_schema`; responses put it on the format itself.
  const holder = endpoint === 'chat' ? format.json_schema : format;
  return isObject(holder) && isObject(holder.schema) ? holder.schema : null;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(textOf).join('\n');
  if (isObject(content) && typeof content.text === 'string') return content.text;
  return '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defaultReply(request: ReplyContext): Reply {
  if (request.schema) return JSON.stringify(valueForSchema(request.schema));
  const format = isObject(request.body.response_format) ? request.body.response_format.type : undefined;
  if (format === 'json_object') return JSON.stringify({ echo: request.text });
  return request.text;
}

/** A value that the schema accepts, the same every time. */
export function valueForSchema(schema: unknown): unknown {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return valueForSchema(alternatives[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valueForSchema(property)]));
    }
    case 'array':
      return [];
    case 'string':
      return 'fake';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function defaultUsage(request: ReplyContext, outputText: string): TokenUsage {
  const prompt = request.messages.reduce((sum, message) => sum + tokens(message.content), 0);
  return { prompt_tokens: Math.max(1, prompt), completion_tokens: tokens(outputText), cached_tokens: 0 };
}

function toolCallsOf(answer: ScriptedAnswer, id: number) {
  return (answer.toolCalls ?? []).map((call, index) => ({
    id: `call_fake_${id}_${index}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
}

function chatAnswer(id: number, request: ReplyContext, answer: ScriptedAnswer, usage: TokenUsage) {
  const calls = toolCallsOf(answer, id);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: answer.refusal !== undefined || (answer.content === undefined && calls.length > 0) ? null : (answer.content ?? ''),
    refusal: answer.refusal ?? null,
    annotations: [],
  };
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  }
  return {
    id: `chatcmpl-fake${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model ?? request.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop') }],
    usage: {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

function responseAnswer(id: number, request: ReplyContext, answer: ScriptedAnswer, usage: TokenUsage) {
  const calls = toolCallsOf(answer, id);
  const output: Array<Record<string, unknown>> = [];
  if (answer.content !== undefined || calls.length === 0) {
    output.push({
      id: `msg_fake${id}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content:
        answer.refusal !== undefined
          ? [{ type: 'refusal', refusal: answer.refusal }]
          : [{ type: 'output_text', text: answer.content ?? '', annotations: [], logprobs: [] }],
    });
  }
  for (const call of calls) {
    output.push({ id: `fc_fake${id}`, type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.arguments });
  }
  const cut = answer.finishReason === 'length';
  return {
    id: `resp_fake${id}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: cut ? 'incomplete' : 'completed',
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    error: null,
    model: answer.model ?? request.model,
    output,
    parallel_tool_calls: true,
    temperature: typeof request.body.temperature === 'number' ? request.body.temperature : 1,
    top_p: typeof request.body.top_p === 'number' ? request.body.top_p : 1,
    max_output_tokens: typeof request.body.max_output_tokens === 'number' ? request.body.max_output_tokens : null,
    tools: Array.isArray(request.body.tools) ? request.body.tools : [],
    text: isObject(request.body.text) ? request.body.text : { format: { type: 'text' } },
    usage: {
      input_tokens: usage.prompt_tokens,
      input_tokens_details: { cached_tokens: usage.cached_tokens },
      output_tokens: usage.completion_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
    },
  };
}

function embeddingsAnswer(body: Record<string, unknown>, embed: (text: string, model: string) => number[]) {
  const inputs = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
  const model = String(body.model);
  const base64 = body.encoding_format === 'base64';
  const promptTokens = inputs.reduce((sum, text) => sum + tokens(text), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = embed(text, model);
      return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** The default embedding: letter, digit and other-character counts, L2-normalised. */
export function bagOfLetters(text: string): number[] {
  const vector = new Array<number>(37).fill(0);
  for (const char of text.toLowerCase()) {
    const code = char.charCodeAt(0);
    const slot = code >= 97 && code <= 122 ? code - 97 : code >= 48 && code <= 57 ? 26 + code - 48 : char.trim() !== '' ? 36 : -1;
    if (slot >= 0) vector[slot] = (vector[slot] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[36] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}
