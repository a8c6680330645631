import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { hasMarker } from './comment-marker.js';

export interface CommentResult {
  action: 'created' | 'updated';
  id: number;
  url: string;
}

export interface PullRequestCommentsOptions {
  token: string;
  /** REST base URL, e.g. `https://api.github.com` or `https://HOST/api/v3`. */
  apiUrl: string;
  owner: string;
  repo: string;
  /** Longest wait for one API answer; Octokit itself never gives up. */
  requestTimeoutMs?: number;
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

type Octokit = ReturnType<typeof getOctokit>;

interface ListedComment {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string } | null;
}

export class PullRequestComments {
  readonly #octokit: Octokit;
  readonly #owner: string;
  readonly #repo: string;
  // Kept only to scrub it from error messages that quote a request (e.g. an invalid header value).
  readonly #token: string;
  readonly #requestTimeoutMs: number;
  #identity: Promise<string> | undefined;

  constructor(options: PullRequestCommentsOptions) {
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#token = options.token;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#octokit = getOctokit(options.token, { baseUrl: options.apiUrl.replace(/\/+$/, '') });
    // A hung connection must not hold the job until the runner's timeout: every request gets a deadline.
    this.#octokit.hook.before('request', (request) => {
      request.request = { ...request.request, signal: AbortSignal.timeout(this.#requestTimeoutMs) };
    });
  }

  /**
   * Creates the PR's sticky comment, or edits the one this identity wrote before. The marker is put on
   * the body's first line unless it is there already.
   */
  async upsert(prNumber: number, marker: string, body: string): Promise<CommentResult> {
    const fullBody = hasMarker(body, marker) ? body : `${marker}\n${body}`;
    const login = await this.#viewerLogin();
    const existing = await this.#findOwnComment(prNumber, marker, login);

    if (existing !== null) {
      const { data } = await this.#call('update comment', () =>
        this.#octokit.rest.issues.updateComment({
          owner: this.#owner,
          repo: this.#repo,
          comment_id: existing.id,
          body: fullBody,
        }),
      );
      return { action: 'updated', id: data.id, url: data.html_url };
    }

    const { data } = await this.#call('create comment', () =>
      this.#octokit.rest.issues.createComment({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: prNumber,
        body: fullBody,
      }),
    );
    return { action: 'created', id: data.id, url: data.html_url };
  }

  /** The token's own login. GraphQL's `viewer` answers for PATs and installation tokens alike. */
  #viewerLogin(): Promise<string> {
    this.#identity ??= this.#octokit
      .graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }')
      .then((answer) => {
        const login = answer.viewer?.login;
        if (typeof login !== 'string' || login === '') throw new Error('no viewer login in the answer');
        return login;
      })
      .catch((error: unknown) => {
        core.debug(
          `Could not tell whose token this is (${this.#scrub(messageOf(error))}); assuming ${FALLBACK_LOGIN}.`,
        );
        return FALLBACK_LOGIN;
      });
    return this.#identity;
  }

  /**
   * The oldest comment by this identity whose first line is the marker. The oldest, because it is the
   * one every earlier run has been editing: should a race ever create a second one, all later runs
   * still converge on the same comment, at the same place in the conversation.
   */
  async #findOwnComment(prNumber: number, marker: string, login: string): Promise<ListedComment | null> {
    const comments: ListedComment[] = await this.#call('list comments', () =>
      this.#octokit.paginate(this.#octokit.rest.issues.listComments, {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: prNumber,
        per_page: 100,
      }),
    );
    const own = comments
      .filter((comment) => comment.user !== null && sameLogin(comment.user.login, login))
      .filter((comment) => hasMarker(comment.body ?? '', marker))
      .sort((a, b) => a.id - b.id);
    const [oldest] = own;
    if (own.length > 1) {
      core.info(`PR #${prNumber} has ${own.length} comments with this gate's marker; updating the oldest.`);
    }
    return oldest ?? null;
  }

  async #call<T>(operation: string, request: () => Promise<T>): Promise<T> {
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
 * A one-line explanation of why the comment could not be written, for a warning. Never quotes a token.
 */
export function describeCommentFailure(error: unknown, ctx: { isFork: boolean; prNumber: number }): string {
  const prefix = `Cannot comment on PR #${ctx.prNumber}`;
  const status = statusOf(error);
  const detail = shorten(redactTokens(messageOf(error)));

  if (status === 403 && /rate limit/i.test(detail)) {
    return `${prefix}: the GitHub API rate limit is exhausted (403: ${detail}).`;
  }
  switch (status) {
    case 401:
      return `${prefix}: GitHub rejected the token (401: ${detail}). Check the \`github-token\` input.`;
    case 403:
      if (ctx.isFork) {
        return (
          `${prefix}: pull requests from forks get a read-only GITHUB_TOKEN. The results are in the job ` +
          'summary. To comment on fork PRs, see README › Fork pull requests.'
        );
      }
      return (
        `${prefix}: the token may not write to pull requests (403: ${detail}). Give the job ` +
        '`permissions: pull-requests: write` (pull requests opened by Dependabot always get a read-only token).'
      );
    case 404:
      return `${prefix}: the token cannot see this repository or pull request (404: ${detail}).`;
    case 422:
      return `${prefix}: GitHub refused the comment body, perhaps because it is too long (422: ${detail}).`;
    case 429:
      return `${prefix}: the GitHub API rate limit is exhausted (429: ${detail}).`;
    case null:
      return `${prefix}: ${detail}`;
    default:
      return `${prefix}: the GitHub API answered ${status} (${detail}).`;
  }
}

/** Logins match when equal ignoring case and a trailing `[bot]`: REST shows `github-actions[bot]`, GraphQL may not. */
function sameLogin(a: string, b: string): boolean {
  const normalize = (login: string) => login.toLowerCase().replace(/\[bot\]$/, '');
  return normalize(a) === normalize(b);
}

function statusOf(error: unknown): number | null {
  if (error instanceof GitHubApiError) return error.status;
  return isObject(error) && typeof error['status'] === 'number' ? error['status'] : null;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
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
