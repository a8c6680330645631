import { hasMarker } from './comment-marker.js';
import { describeApiFailure, GitHubClient, type GitHubClientOptions, sameLogin } from './github-api.js';
import { issueMarker } from './issue-marker.js';

export { issueMarker } from './issue-marker.js';

export interface TrackingIssuesOptions extends GitHubClientOptions {
  owner: string;
  repo: string;
}

/** `number` and `url` are the tracking issue's. */
export interface FailureReported {
  action: 'created' | 'commented';
  number: number;
  url: string;
}

/** `number` and `url` are the closed tracking issue's; both are absent when none was open. */
export interface RecoveryReported {
  action: 'closed' | 'none';
  number?: number;
  url?: string;
}

/** GitHub refuses longer issue and comment bodies (422); it counts code points. */
const MAX_BODY_CHARS = 65_536;
/** GitHub refuses longer issue titles (422). */
const MAX_TITLE_CHARS = 256;
const CUT_NOTE = '\n\n*(Cut here: the report is longer than GitHub allows in an issue.)*';
const FALLBACK_TITLE = 'Evals gate failing';
/**
 * How far the search for our issue goes: 10 pages of 100 open issues and pull requests, most recently
 * updated first. Every failing run comments on the tracking issue, so it stays near the top however
 * many open issues the repository has; the bound only keeps a huge repository from costing minutes.
 */
const MAX_PAGES = 10;
const PER_PAGE = 100;

interface ListedIssue {
  number: number;
  html_url: string;
  body?: string | null;
  user: { login: string } | null;
  /** Set on pull requests, which the issues listing returns too. */
  pull_request?: unknown;
}

/**
 * The one open issue per gate key that tells a repository its scheduled gate is failing. It is found
 * by a hidden marker on its body's first line, and only among issues the token's own identity opened.
 */
export class TrackingIssues {
  readonly #github: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;

  constructor(options: TrackingIssuesOptions) {
    this.#github = new GitHubClient(options);
    this.#owner = options.owner;
    this.#repo = options.repo;
  }

  /** The gate failed: comment on our open tracking issue for this key, or open one. */
  async reportFailure(key: string, title: string, body: string): Promise<FailureReported> {
    const marker = issueMarker(key);
    const existing = await this.#findOwnOpenIssue(marker);

    if (existing !== null) {
      await this.#comment(existing.number, body);
      return { action: 'commented', number: existing.number, url: existing.html_url };
    }

    const { data } = await this.#github.call('create issue', () =>
      this.#github.octokit.rest.issues.create({
        owner: this.#owner,
        repo: this.#repo,
        title: fittedTitle(title),
        body: fittedBody(hasMarker(body, marker) ? body : `${marker}\n${body}`),
      }),
    );
    return { action: 'created', number: data.number, url: data.html_url };
  }

  /** The gate passed: comment on our open tracking issue and close it; nothing when none is open. */
  async reportRecovery(key: string, body: string): Promise<RecoveryReported> {
    const existing = await this.#findOwnOpenIssue(issueMarker(key));
    if (existing === null) return { action: 'none' };

    // Comment first: should closing fail, the next passing run finds the issue still open and retries.
    await this.#comment(existing.number, body);
    await this.#github.call('close issue', () =>
      this.#github.octokit.rest.issues.update({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: existing.number,
        state: 'closed',
        state_reason: 'completed',
      }),
    );
    return { action: 'closed', number: existing.number, url: existing.html_url };
  }

  async #comment(issueNumber: number, body: string): Promise<void> {
    await this.#github.call('comment on issue', () =>
      this.#github.octokit.rest.issues.createComment({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: issueNumber,
        body: fittedBody(body),
      }),
    );
  }

  /**
   * The oldest open issue (not pull request) by this identity whose first line is the marker. The
   * oldest, so that should a race ever open a second one, every later run still converges on the first.
   */
  async #findOwnOpenIssue(marker: string): Promise<ListedIssue | null> {
    const login = await this.#github.ownLogin();
    const own: ListedIssue[] = [];
    // The `creator` filter is not used: it wants the REST login, and GraphQL may name a bot without its
    // `[bot]` suffix. A wrong guess would find nothing and open a new issue on every failing run.
    const listing = this.#github.octokit.paginate.iterator(this.#github.octokit.rest.issues.listForRepo, {
      owner: this.#owner,
      repo: this.#repo,
      state: 'open',
      sort: 'updated',
      direction: 'desc',
      per_page: PER_PAGE,
    });
    let pages = 0;
    let listed = 0;
    let more = false;
    for await (const { data, headers } of this.#github.pages('list issues', listing)) {
      pages += 1;
      listed += data.length;
      const issues: ListedIssue[] = data;
      own.push(
        ...issues
          .filter((issue) => issue.pull_request === undefined || issue.pull_request === null)
          .filter((issue) => issue.user !== null && sameLogin(issue.user.login, login))
          .filter((issue) => hasMarker(issue.body ?? '', marker)),
      );
      if (pages >= MAX_PAGES) {
        more = /rel="next"/.test(headers.link ?? '');
        break;
      }
    }

    if (more && own.length === 0) {
      this.#github.log.info(
        `Looked for this gate's tracking issue among the ${listed} most recently updated open ` +
          'issues and pull requests only.',
      );
    }
    own.sort((a, b) => a.number - b.number);
    const [oldest] = own;
    if (own.length > 1) {
      this.#github.log.info(`${own.length} open issues carry this gate's marker; using the oldest, #${oldest?.number}.`);
    }
    return oldest ?? null;
  }
}

/**
 * A one-line explanation of why the tracking issue could not be written, for a warning. Never quotes
 * a token; `redact` takes out the action's other secrets before anything is cut.
 */
export function describeIssueFailure(error: unknown, redact?: (text: string) => string): string {
  const prefix = 'Cannot update the tracking issue';
  return describeApiFailure(prefix, error, (status, detail) => {
    switch (status) {
      case 403:
        return (
          `${prefix}: the token may not write issues (403: ${detail}). Give the job ` +
          '`permissions: issues: write`, or set `issue-on-failure: false`.'
        );
      case 404:
        return `${prefix}: the token cannot see this repository or issue (404: ${detail}).`;
      case 410:
        return `${prefix}: issues are turned off in this repository (410: ${detail}).`;
      case 422:
        return `${prefix}: GitHub refused the issue or comment, perhaps because it is too long (422: ${detail}).`;
      default:
        return undefined;
    }
  }, redact);
}

/** `text` within GitHub's body limit, cut with a note when it is longer. */
function fittedBody(text: string): string {
  const chars = [...text];
  if (chars.length <= MAX_BODY_CHARS) return text;
  return chars.slice(0, MAX_BODY_CHARS - [...CUT_NOTE].length).join('') + CUT_NOTE;
}

/** One line within GitHub's title limit; never empty, which GitHub would refuse. */
function fittedTitle(title: string): string {
  const chars = [...title.replace(/\s+/g, ' ').trim()];
  if (chars.length === 0) return FALLBACK_TITLE;
  return chars.length <= MAX_TITLE_CHARS ? chars.join('') : `${chars.slice(0, MAX_TITLE_CHARS - 1).join('')}…`;
}
