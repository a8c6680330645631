import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';

export interface GitHubClientOptions {
  token: string;
  /** REST base URL, e.g. `https://api.github.com` or `https://HOST/api/v3`. */
  apiUrl: string;
  /** Longest wait for one answer (each attempt); Octokit itself never gives up. */
  requestTimeoutMs?: number;
  /** The unit of the pauses between tries, in ms: 1 s, 4 s, 9 s by default; tests shorten it. */
  retryUnitMs?: number;
  /** Where notes go (the runner's log), a pause for a rate limit among them; `debug` only where the log has a debug level. Default: nowhere. */
  log?: GitHubLog;
}

export interface GitHubLog {
  info(line: string): void;
  debug?(line: string): void;
}

/** A GitHub API call that failed. `status` is the HTTP status, or null when no answer came. */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
  readonly status: number | null;
  /** What was being done, e.g. `list comments`. */
  readonly operation: string;
  /** How many times the request was sent (more than 1 when it was retried). */
  readonly attempts: number;

  constructor(operation: string, status: number | null, message: string, attempts = 1) {
    super(`${operation}: ${message}`);
    this.operation = operation;
    this.status = status;
    this.attempts = attempts;
  }
}

/** The login GitHub shows for `GITHUB_TOKEN` on REST; used when the token cannot tell us who it is. */
const FALLBACK_LOGIN = 'github-actions[bot]';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Tries after the first, for 5xx answers and lost connections (plugin-retry's pauses: 1, 4, 9 units). */
const RETRIES = 3;
/** A rate limit that asks for a longer pause is not waited out: a comment is not worth holding the job. */
const MAX_RATE_LIMIT_WAIT_S = 60;
/** Tries after the first for a rate limit (primary or secondary) that asks for a short pause. */
const RATE_LIMIT_RETRIES = 2;

export type Octokit = ReturnType<typeof getOctokit>;
type OctokitPlugin = NonNullable<Parameters<typeof getOctokit>[2]>;

/** A request that got no answer in time, thrown as a plain error so that it is not retried. */
class RequestTimeout extends Error {
  override name = 'TimeoutError';
}

/**
 * Every try of a request gets its own deadline, and its number is noted on the failure. Listed
 * before the retry and throttling plugins, so that it wraps each single try, not the whole sequence.
 */
function perTry(timeoutMs: number): OctokitPlugin {
  const tries = new WeakMap<object, number>();
  return (octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const attempt = (tries.get(options) ?? 0) + 1;
      tries.set(options, attempt);
      // Hooks are bound to one options object for every try: the signal is set on it, not on a copy.
      options.request = { ...options.request, signal: AbortSignal.timeout(timeoutMs) };
      try {
        return await request(options);
      } catch (error) {
        if (hasTimedOut(error)) throw Object.assign(new RequestTimeout(`no answer within ${timeoutMs} ms`), { attempts: attempt });
        if (isObject(error)) error['attempts'] = attempt;
        throw error;
      }
    });
  };
}

/**
 * One token's connection to one GitHub API: every try has a deadline; 5xx answers and lost
 * connections are tried again (plugin-retry), and so are rate limits that ask for a short pause
 * (plugin-throttling, which also spaces writes as GitHub asks); every failure comes out as a
 * `GitHubApiError` that never quotes the token.
 */
export class GitHubClient {
  readonly octokit: Octokit;
  // Kept only to scrub it from error messages that quote a request (e.g. an invalid header value).
  readonly #token: string;
  readonly #requestTimeoutMs: number;
  readonly log: GitHubLog;
  #identity: Promise<string> | undefined;

  constructor(options: GitHubClientOptions) {
    this.#token = options.token;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const unitMs = options.retryUnitMs ?? 1000;
    this.log = options.log ?? { info: () => undefined };
    const log = this.log;
    const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      if (retryAfter > MAX_RATE_LIMIT_WAIT_S || retryCount >= RATE_LIMIT_RETRIES) return false;
      log.info(`The GitHub API's ${kind} was hit (${request.method} ${request.url}); trying again in ${retryAfter} s.`);
      return true;
    };
    this.octokit = getOctokit(
      options.token,
      {
        baseUrl: options.apiUrl.replace(/\/+$/, ''),
        retry: { retries: RETRIES, retryAfterBaseValue: unitMs },
        throttle: {
          // The plugin spaces writes 1 s apart (3 s for those that notify) to stay clear of secondary
          // limits in bursts; a gate writes one or two things a run, where that would only add seconds
          // to every comment. Unspaced groups of its own keep the rate-limit handling without the pauses.
          write: new Bottleneck.Group({ maxConcurrent: 1 }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1 }),
          retryAfterBaseValue: unitMs,
          onRateLimit: onLimit('rate limit'),
          onSecondaryRateLimit: onLimit('secondary rate limit'),
        },
      },
      perTry(this.#requestTimeoutMs),
      retry,
      throttling,
    );
  }

  /** The token's own login. GraphQL's `viewer` answers for PATs and installation tokens alike. */
  ownLogin(): Promise<string> {
    this.#identity ??= this.octokit
      .graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }')
      .then((answer) => {
        const login = answer.viewer?.login;
        if (typeof login !== 'string' || login === '') throw new Error('no viewer login in the answer');
        return login;
      })
      .catch((error: unknown) => {
        this.log.debug?.(
          `Could not tell whose token this is (${this.#scrub(messageOf(error))}); assuming ${FALLBACK_LOGIN}.`,
        );
        return FALLBACK_LOGIN;
      });
    return this.#identity;
  }

  /** Runs `request`, turning any failure into a `GitHubApiError` for `operation`, e.g. `list comments`. */
  async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#toApiError(operation, error);
    }
  }

  /**
   * Every page of a listing, in order. A `next` link that points to a page already read ends the
   * listing with an error instead of a loop: a server (or proxy) that ignores the page must not hold the job.
   */
  async *pages<T>(operation: string, listing: AsyncIterable<{ data: T[]; headers: { link?: string } }>): AsyncGenerator<{ data: T[]; headers: { link?: string } }> {
    const seen = new Set<string>();
    const iterator = listing[Symbol.asyncIterator]();
    for (let page = 1; ; page++) {
      const next = await this.call(operation, () => iterator.next());
      if (next.done) return;
      const link = nextLink(next.value.headers.link);
      if (link !== null && seen.has(link)) {
        await iterator.return?.();
        throw new GitHubApiError(operation, null, `the listing did not advance: page ${page} points again to ${link} as the next page.`);
      }
      if (link !== null) seen.add(link);
      yield next.value;
    }
  }

  #toApiError(operation: string, error: unknown): GitHubApiError {
    const attempts = attemptsOf(error);
    if (error instanceof RequestTimeout || hasTimedOut(error)) {
      const seconds = Math.round(this.#requestTimeoutMs / 100) / 10;
      return new GitHubApiError(operation, null, `the GitHub API did not answer within ${seconds} s`, attempts);
    }
    const message = this.#scrub(messageOf(error));
    // Octokit reports a request that got no answer as status 500 without a response.
    const answered = isObject(error) && isObject(error['response']) && typeof error['status'] === 'number';
    return new GitHubApiError(operation, answered ? (error['status'] as number) : null, message, attempts);
  }

  #scrub(text: string): string {
    return this.#token === '' ? text : text.split(this.#token).join('***');
  }
}

/** The `rel="next"` URL of a `Link` header, or null. */
function nextLink(header: string | undefined): string | null {
  const match = /<([^>]+)>\s*;\s*rel="next"/.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * A one-line explanation of a failed API call, for a warning, starting with `prefix`. Statuses whose
 * meaning is the same for every call are worded here; `byStatus` words the others (e.g. 403, 404,
 * 422), or returns undefined for the generic wording. Never quotes a token; `redact` takes the
 * action's other secrets out before the detail is cut, so no cut can leave part of one.
 */
export function describeApiFailure(
  prefix: string,
  error: unknown,
  byStatus: (status: number, detail: string) => string | undefined,
  redact: (text: string) => string = (text) => text,
): string {
  const status = statusOf(error);
  const detail = shorten(redact(redactTokens(messageOf(error))));
  const attempts = attemptsOf(error);
  const after = attempts > 1 ? ` after ${attempts} tries` : '';

  if (status === null) return `${prefix}: ${detail}${attempts > 1 ? ` (${attempts} tries)` : ''}`;
  if (status === 429 || (status === 403 && /rate limit/i.test(detail))) {
    return `${prefix}: the GitHub API rate limit is exhausted${after} (${status}: ${detail}).`;
  }
  if (status === 401) {
    return `${prefix}: GitHub rejected the token (401: ${detail}). Check the \`github-token\` input.`;
  }
  return byStatus(status, detail) ?? `${prefix}: the GitHub API answered ${status}${after} (${detail}).`;
}

/** Logins match when equal ignoring case and a trailing `[bot]`: REST shows `github-actions[bot]`, GraphQL may not. */
export function sameLogin(a: string, b: string): boolean {
  const normalize = (login: string) => login.toLowerCase().replace(/\[bot\]$/, '');
  return normalize(a) === normalize(b);
}

function statusOf(error: unknown): number | null {
  if (error instanceof GitHubApiError) return error.status;
  return isObject(error) && typeof error['status'] === 'number' ? error['status'] : null;
}

function attemptsOf(error: unknown): number {
  return isObject(error) && typeof error['attempts'] === 'number' ? error['attempts'] : 1;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (isObject(error) && typeof error['message'] === 'string') return error['message'];
  return typeof error === 'string' ? error : 'unknown error';
}

function hasTimedOut(error: unknown): boolean {
  for (let current = error, depth = 0; isObject(current) && depth < 5; current = current['cause'], depth++) {
    if (current['name'] === 'TimeoutError') return true;
  }
  return false;
}

/** Token shapes GitHub issues (classic, fine-grained, app and OAuth tokens), in case a message quotes one. */
function redactTokens(text: string): string {
  return text.replace(/\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{16,})/g, '***');
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
