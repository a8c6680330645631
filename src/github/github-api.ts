import { getOctokit } from '@actions/github';

export interface GitHubClientOptions {
  token: string;
  /** REST base URL, e.g. `https://api.github.com` or `https://HOST/api/v3`. */
  apiUrl: string;
  /** Longest wait for one API answer; Octokit itself never gives up. */
  requestTimeoutMs?: number;
  /** Where notes go (the runner's log); `debug` only where the log has a debug level. Default: nowhere. */
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

  constructor(operation: string, status: number | null, message: string) {
    super(`${operation}: ${message}`);
    this.operation = operation;
    this.status = status;
  }
}

/** The login GitHub shows for `GITHUB_TOKEN` on REST; used when the token cannot tell us who it is. */
const FALLBACK_LOGIN = 'github-actions[bot]';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export type Octokit = ReturnType<typeof getOctokit>;

/**
 * One token's connection to one GitHub API: every request has a deadline, and every failure comes
 * out as a `GitHubApiError` that never quotes the token.
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
    this.log = options.log ?? { info: () => undefined };
    this.octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/+$/, '') });
    // A hung connection must not hold the job until the runner's timeout: every request gets a deadline.
    this.octokit.hook.before('request', (request) => {
      request.request = { ...request.request, signal: AbortSignal.timeout(this.#requestTimeoutMs) };
    });
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

  #toApiError(operation: string, error: unknown): GitHubApiError {
    if (hasTimedOut(error)) {
      const seconds = Math.round(this.#requestTimeoutMs / 100) / 10;
      return new GitHubApiError(operation, null, `the GitHub API did not answer within ${seconds} s`);
    }
    const message = this.#scrub(messageOf(error));
    // Octokit reports a request that got no answer as status 500 without a response.
    const answered = isObject(error) && isObject(error['response']) && typeof error['status'] === 'number';
    return new GitHubApiError(operation, answered ? (error['status'] as number) : null, message);
  }

  #scrub(text: string): string {
    return this.#token === '' ? text : text.split(this.#token).join('***');
  }
}

/**
 * A one-line explanation of a failed API call, for a warning, starting with `prefix`. Statuses whose
 * meaning is the same for every call are worded here; `byStatus` words the others (e.g. 403, 404,
 * 422), or returns undefined for the generic wording. Never quotes a token.
 */
export function describeApiFailure(
  prefix: string,
  error: unknown,
  byStatus: (status: number, detail: string) => string | undefined,
): string {
  const status = statusOf(error);
  const detail = shorten(redactTokens(messageOf(error)));

  if (status === null) return `${prefix}: ${detail}`;
  if (status === 429 || (status === 403 && /rate limit/i.test(detail))) {
    return `${prefix}: the GitHub API rate limit is exhausted (${status}: ${detail}).`;
  }
  if (status === 401) {
    return `${prefix}: GitHub rejected the token (401: ${detail}). Check the \`github-token\` input.`;
  }
  return byStatus(status, detail) ?? `${prefix}: the GitHub API answered ${status} (${detail}).`;
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
