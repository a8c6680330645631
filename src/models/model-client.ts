// The one door to an OpenAI-compatible model endpoint (sampling and judge graders). Every request goes
// through the run's RequestGovernor; retries are ours, not the SDK's (`maxRetries: 0`), so that a 429
// slows every request of the run down, not just the one that got it. Request bodies and results are
// loose plain types here so that src/engine/ never needs the SDK's types.
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { redactSecrets } from '../shared/redact.js';
import { retryAfterMs } from '../shared/retry-after.js';
import { abortError, RequestGovernor, type Sleep } from './request-governor.js';

export interface ModelEndpoint {
  baseURL: string;
  apiKey: string;
  /** Sent with every request; its values may be keys, so they are redacted like the key. */
  query?: Record<string, string>;
}

export interface ModelClientOptions {
  /** Shared by every client of a run. Default: a governor of its own, of `maxConcurrency`. */
  governor?: RequestGovernor;
  /** Requests in flight at most, for the governor made when none is given. Default 8. */
  maxConcurrency?: number;
  /** Lines for the job's log: rate limits met and retries. Never the API key. */
  log?: (line: string) => void;
  /** Tries per call, the first included. Default 6. */
  maxAttempts?: number;
  /** Per request. Default 120 s: long answers of reasoning models take a while. */
  timeoutMs?: number;
  /** First wait before retrying a 5xx, a 408/409 or a lost connection; doubles per try. Default 1 s. */
  retryDelayMs?: number;
  /** Longest such wait. Default 30 s. */
  maxRetryDelayMs?: number;
  /** For those waits. Default: a timer. */
  sleep?: Sleep;
}

export type RequestBody = Record<string, unknown>;

/** Token counts as chat completions report them. */
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export interface ChatToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  [key: string]: unknown;
}

export interface ChatCompletion {
  id?: string;
  model?: string;
  choices: Array<{
    index?: number;
    finish_reason?: string | null;
    message: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: ChatToolCall[] | null };
  }>;
  usage?: ChatUsage | null;
  [key: string]: unknown;
}

/** Token counts as the responses endpoint reports them. */
export interface ResponseUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number } | null;
}

export interface ResponseOutputItem {
  type?: string;
  role?: string;
  content?: Array<{ type?: string; text?: string; refusal?: string }> | null;
  /** function_call items */
  call_id?: string;
  name?: string;
  arguments?: string;
  [key: string]: unknown;
}

export interface ModelResponse {
  id?: string;
  model?: string;
  status?: string | null;
  incomplete_details?: { reason?: string } | null;
  output?: ResponseOutputItem[];
  usage?: ResponseUsage | null;
  [key: string]: unknown;
}

export interface ModelClientStats {
  /** Requests sent, retries included. */
  requests: number;
  /** Of which answered 429. */
  rateLimited: number;
  /** Requests that were retries of an earlier one. */
  retried: number;
  /** Calls that ended in a ModelCallError. */
  failed: number;
}

/** A model call that failed for good. The message is one line and never holds the API key. */
export class ModelCallError extends Error {
  /** The last HTTP status, null when there was no answer (connection error, timeout). */
  readonly status: number | null;
  readonly attempts: number;

  constructor(message: string, status: number | null, attempts: number) {
    super(message);
    this.name = 'ModelCallError';
    this.status = status;
    this.attempts = attempts;
  }
}

export class ModelClient {
  readonly baseURL: string;
  /** The key and the query's values: taken out of every line this client writes. */
  readonly #secrets: string[];
  readonly #openai: OpenAI;
  readonly #governor: RequestGovernor;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #sleep: Sleep;
  readonly #log: (line: string) => void;
  readonly #stats: ModelClientStats = { requests: 0, rateLimited: 0, retried: 0, failed: 0 };

  /** An empty `apiKey` sends no Authorization header: self-hosted endpoints (Ollama, vLLM) often need none. */
  constructor(endpoint: ModelEndpoint, options: ModelClientOptions = {}) {
    this.baseURL = endpoint.baseURL;
    this.#secrets = [endpoint.apiKey, ...Object.values(endpoint.query ?? {})].filter(Boolean);
    this.#governor = options.governor ?? new RequestGovernor({ maxConcurrency: options.maxConcurrency });
    this.#log = options.log ?? (() => undefined);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.#sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.#openai = new OpenAI({
      baseURL: endpoint.baseURL,
      // The SDK insists on a key; with none, a placeholder that the null header below keeps off the wire.
      apiKey: endpoint.apiKey || 'none',
      maxRetries: 0,
      timeout: this.#timeoutMs,
      defaultHeaders: { 'User-Agent': 'evals-gate', ...(endpoint.apiKey ? {} : { Authorization: null }) },
      defaultQuery: endpoint.query && Object.keys(endpoint.query).length > 0 ? endpoint.query : undefined,
    });
  }

  createChatCompletion(body: RequestBody, signal?: AbortSignal): Promise<ChatCompletion> {
    return this.#call('chat completion', body.model, signal, async (requestSignal) => {
      const completion = await this.#openai.chat.completions.create({ ...body, stream: false } as never, { signal: requestSignal });
      return completion as unknown as ChatCompletion;
    });
  }

  createResponse(body: RequestBody, signal?: AbortSignal): Promise<ModelResponse> {
    return this.#call('response', body.model, signal, async (requestSignal) => {
      const response = await this.#openai.responses.create({ ...body, stream: false } as never, { signal: requestSignal });
      return response as unknown as ModelResponse;
    });
  }

  /** One vector per input, in the inputs' order. */
  createEmbeddings(body: { model: string; input: string[] }, signal?: AbortSignal): Promise<number[][]> {
    return this.#call('embeddings', body.model, signal, async (requestSignal) => {
      // Floats explicitly: the SDK would ask for base64, which some compatible servers do not speak.
      const result = await this.#openai.embeddings.create(
        { model: body.model, input: body.input, encoding_format: 'float' },
        { signal: requestSignal },
      );
      const vectors = [...result.data].sort((a, b) => a.index - b.index).map((entry) => entry.embedding);
      if (vectors.length !== body.input.length) {
        throw new ModelCallError(
          `embeddings with model "${body.model}" returned ${vectors.length} vectors for ${body.input.length} inputs`,
          null,
          1,
        );
      }
      return vectors;
    });
  }

  stats(): ModelClientStats {
    return { ...this.#stats };
  }

  async #call<T>(operation: string, model: unknown, signal: AbortSignal | undefined, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const what = `${operation} with model ${JSON.stringify(typeof model === 'string' ? model : String(model))}`;
    for (let attempt = 1; ; attempt++) {
      const permit = await this.#governor.acquire(signal, { retry: attempt > 1 });
      this.#stats.requests++;
      if (attempt > 1) this.#stats.retried++;
      let error: unknown;
      try {
        const result = await send(signal);
        permit.succeeded();
        return result;
      } catch (caught) {
        error = caught;
      }
      if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) {
        permit.released();
        throw abortError(signal);
      }
      if (error instanceof ModelCallError) {
        permit.succeeded();
        this.#stats.failed++;
        throw error;
      }
      const status = error instanceof OpenAI.APIError && typeof error.status === 'number' ? error.status : null;
      const rateLimited = status === 429 && !quotaExhausted(error);
      if (rateLimited) {
        this.#stats.rateLimited++;
        const before = this.#governor.state();
        const asked = retryAfterMs(headersOf(error));
        permit.rateLimited(asked);
        const after = this.#governor.state();
        // Once per slowdown, not once per refused request: a storm would flood the log.
        if (after.limit < before.limit) {
          const pause = asked === null ? 'backing off' : `pausing ${formatSeconds(Math.min(asked, this.#governor.maxPauseMs))}`;
          this.#log(`The model endpoint answered 429 (too many requests): ${pause}; at most ${after.limit} model requests at once from now on.`);
        }
      } else if (status !== null && status < 500) {
        permit.succeeded();
      } else {
        permit.released();
      }
      if (!(rateLimited || isRetryable(error, status)) || attempt >= this.#maxAttempts) {
        this.#stats.failed++;
        throw new ModelCallError(this.#describe(what, error, status, attempt), status, attempt);
      }
      // After a 429 the governor holds the next try back; other failures wait here, for this call only.
      if (!rateLimited) {
        const delay = this.#retryDelay(error, attempt);
        const why = this.#describe(what, error, status, attempt).replace(/ failed( after \d+ attempts)?: /, ': ');
        this.#log(`${why}; retrying in ${formatSeconds(delay)} (attempt ${attempt + 1} of ${this.#maxAttempts}).`);
        await this.#sleep(delay, signal ?? new AbortController().signal);
      }
    }
  }

  #retryDelay(error: unknown, attempt: number): number {
    const asked = retryAfterMs(headersOf(error));
    return Math.min(asked ?? this.#retryDelayMs * 2 ** (attempt - 1), this.#maxRetryDelayMs);
  }

  #describe(what: string, error: unknown, status: number | null, attempts: number): string {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    let cause: string;
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      cause = `no answer from ${this.baseURL} within ${this.#timeoutMs / 1000} s`;
    } else if (error instanceof OpenAI.APIConnectionError) {
      const detail = error.cause instanceof Error ? ` (${errorText(error.cause)})` : '';
      cause = `could not connect to ${this.baseURL}${detail}`;
    } else if (status !== null) {
      cause = `${status} ${serverMessage(error) || 'with no error message'}`;
    } else {
      cause = error instanceof Error ? error.message : String(error);
    }
    const line = `${what} failed${tries}: ${cause}`.replace(/\s+/g, ' ').trim();
    // Redacted before it is cut: a cut through a key would leave a piece no redaction can find.
    return cut(redactSecrets(line, this.#secrets), 600);
  }
}

/** 408, 409, 5xx and lost connections or timeouts: the same request may well work later. */
function isRetryable(error: unknown, status: number | null): boolean {
  if (status !== null) return status === 408 || status === 409 || status >= 500;
  return error instanceof OpenAI.APIConnectionError;
}

/** OpenAI answers 429 `insufficient_quota` when the account is out of credit: waiting does not help. */
function quotaExhausted(error: unknown): boolean {
  return error instanceof OpenAI.APIError && (error.code === 'insufficient_quota' || error.type === 'insufficient_quota');
}

function headersOf(error: unknown): Headers | null {
  return error instanceof OpenAI.APIError && error.headers instanceof Headers ? error.headers : null;
}

function serverMessage(error: unknown): string {
  if (!(error instanceof OpenAI.APIError)) return '';
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : '';
  const code = typeof error.code === 'string' && error.code ? ` [${error.code}]` : '';
  return `${message}${code}`.trim();
}

/** The innermost cause says what happened: fetch's own error only says "fetch failed". */
function errorText(error: Error): string {
  let inner = error;
  for (let depth = 0; inner.cause instanceof Error && depth < 5; depth++) inner = inner.cause;
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' && !inner.message.includes(code) ? `${code}: ${inner.message}` : inner.message;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
