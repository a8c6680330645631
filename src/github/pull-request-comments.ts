import { hasMarker } from './comment-marker.js';
import { describeApiFailure, GitHubClient, type GitHubClientOptions, sameLogin } from './github-api.js';

export interface CommentResult {
  action: 'created' | 'updated';
  id: number;
  url: string;
}

export interface PullRequestCommentsOptions extends GitHubClientOptions {
  owner: string;
  repo: string;
}

interface ListedComment {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string } | null;
}

export class PullRequestComments {
  readonly #github: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;

  constructor(options: PullRequestCommentsOptions) {
    this.#github = new GitHubClient(options);
    this.#owner = options.owner;
    this.#repo = options.repo;
  }

  /**
   * Creates the PR's sticky comment, or edits the one this identity wrote before. The marker is put on
   * the body's first line unless it is there already.
   */
  async upsert(prNumber: number, marker: string, body: string): Promise<CommentResult> {
    const fullBody = hasMarker(body, marker) ? body : `${marker}\n${body}`;
    const login = await this.#github.ownLogin();
    const existing = await this.#findOwnComment(prNumber, marker, login);

    if (existing !== null) {
      const { data } = await this.#github.call('update comment', () =>
        this.#github.octokit.rest.issues.updateComment({
          owner: this.#owner,
          repo: this.#repo,
          comment_id: existing.id,
          body: fullBody,
        }),
      );
      return { action: 'updated', id: data.id, url: data.html_url };
    }

    const { data } = await this.#github.call('create comment', () =>
      this.#github.octokit.rest.issues.createComment({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: prNumber,
        body: fullBody,
      }),
    );
    return { action: 'created', id: data.id, url: data.html_url };
  }

  /**
   * The oldest comment by this identity whose first line is the marker. The oldest, because it is the
   * one every earlier run has been editing: should a race ever create a second one, all later runs
   * still converge on the same comment, at the same place in the conversation.
   */
  async #findOwnComment(prNumber: number, marker: string, login: string): Promise<ListedComment | null> {
    const comments: ListedComment[] = [];
    const listing = this.#github.octokit.paginate.iterator(this.#github.octokit.rest.issues.listComments, {
      owner: this.#owner,
      repo: this.#repo,
      issue_number: prNumber,
      per_page: 100,
    });
    for await (const { data } of this.#github.pages('list comments', listing)) comments.push(...data);
    const own = comments
      .filter((comment) => comment.user !== null && sameLogin(comment.user.login, login))
      .filter((comment) => hasMarker(comment.body ?? '', marker))
      .sort((a, b) => a.id - b.id);
    const [oldest] = own;
    if (own.length > 1) {
      this.#github.log.info(`PR #${prNumber} has ${own.length} comments with this gate's marker; updating the oldest.`);
    }
    return oldest ?? null;
  }
}

/**
 * A one-line explanation of why the comment could not be written, for a warning. Never quotes a token;
 * `redact` takes out the action's other secrets before anything is cut.
 */
export function describeCommentFailure(error: unknown, ctx: { isFork: boolean; prNumber: number }, redact?: (text: string) => string): string {
  const prefix = `Cannot comment on PR #${ctx.prNumber}`;
  return describeApiFailure(prefix, error, (status, detail) => {
    switch (status) {
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
      default:
        return undefined;
    }
  }, redact);
}
