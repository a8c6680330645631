import { describe, expect, it } from 'vitest';
import { commentMarker, hasMarker } from '../../../src/github/comment-marker.ts';
import { GitHubApiError } from '../../../src/github/github-api.ts';
import { describeCommentFailure, PullRequestComments } from '../../../src/github/pull-request-comments.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, type FakeGitHub } from '../../fakes/github-api.ts';
import { OWNER, PAT, REPO, repoClientOptions, useGitHubFake } from '../../support/github-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const PR = 12;
const READ_ONLY_TOKEN = 'ghs_ReadOnlyForkToken00000000000000000';

const start = useGitHubFake({ [READ_ONLY_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canWrite: false } });

function client(api: FakeGitHub, token = FAKE_GITHUB_TOKEN, requestTimeoutMs?: number): PullRequestComments {
  return new PullRequestComments(repoClientOptions(api, token, requestTimeoutMs));
}

const failure = (promise: Promise<unknown>) => expectRejection(promise, GitHubApiError);

const MARKER = commentMarker('eval_123');

describe('PullRequestComments.upsert', () => {
  it('creates the comment on the first run and edits that same comment on the next', async () => {
    const api = await start();

    const first = await client(api).upsert(PR, MARKER, 'score 80%');
    expect(first.action).toBe('created');
    const [created] = api.comments(OWNER, REPO, PR);
    expect(created).toMatchObject({ id: first.id, html_url: first.url, body: `${MARKER}\nscore 80%` });
    expect(first.url).toBe(`https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${first.id}`);

    // A new instance, as in the next workflow run.
    const second = await client(api).upsert(PR, MARKER, 'score 90%');
    expect(second).toEqual({ action: 'updated', id: first.id, url: first.url });
    expect(api.comments(OWNER, REPO, PR)).toHaveLength(1);
    expect(api.comments(OWNER, REPO, PR)[0]?.body).toBe(`${MARKER}\nscore 90%`);
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/issues/comments/${first.id}`,
    ]);
  });

  it('does not repeat a marker the body already starts with', async () => {
    const api = await start();
    await client(api).upsert(PR, MARKER, `${MARKER}\nscore 80%`);
    expect(api.comments(OWNER, REPO, PR)[0]?.body).toBe(`${MARKER}\nscore 80%`);
  });

  it('finds its comment on a late page of a long conversation', async () => {
    const api = await start({ perPage: 2 });
    for (let i = 0; i < 5; i++) api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: `lgtm ${i}`, login: 'dev' });
    const first = await client(api).upsert(PR, MARKER, 'v1');
    for (let i = 0; i < 2; i++) api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: `nit ${i}`, login: 'dev' });

    const listed = api.requests.length;
    const second = await client(api).upsert(PR, MARKER, 'v2');

    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const pages = api.requests.slice(listed).filter((r) => r.method === 'GET').map((r) => r.query['page'] ?? '1');
    expect(pages).toEqual(['1', '2', '3', '4']);
    expect(api.comments(OWNER, REPO, PR).filter((c) => c.body.startsWith(MARKER))).toHaveLength(1);
  });

  it('never edits a comment by someone else, even one that carries the marker', async () => {
    const api = await start();
    const forged = [
      api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: `${MARKER}\nall green!`, login: 'mallory' }),
      api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: `${MARKER}\nme too`, login: 'other-app[bot]' }),
    ];

    const result = await client(api).upsert(PR, MARKER, 'score 80%');

    expect(result.action).toBe('created');
    expect(forged.map((c) => c.id)).not.toContain(result.id);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    const comments = api.comments(OWNER, REPO, PR);
    expect(comments.slice(0, 2).map((c) => c.body)).toEqual(forged.map((c) => c.body));
  });

  it('does not take its own comments for the sticky one when the marker is not their first line', async () => {
    const api = await start();
    const own = { owner: OWNER, repo: REPO, issue: PR, login: 'github-actions[bot]', type: 'Bot' as const };
    api.seedComment({ ...own, body: `Deploy preview ready\n${MARKER}` });
    api.seedComment({ ...own, body: `${MARKER} and more on the same line` });
    api.seedComment({ ...own, body: ` ${MARKER}\nindented` });
    api.seedComment({ ...own, body: `${commentMarker('eval_1234')}\nanother key sharing a prefix` });

    const result = await client(api).upsert(PR, MARKER, 'score 80%');

    expect(result.action).toBe('created');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(api.comments(OWNER, REPO, PR)).toHaveLength(5);
  });

  it('keeps one comment per comment key', async () => {
    const api = await start();
    const a = await client(api).upsert(PR, commentMarker('gpt-4o'), 'a');
    const b = await client(api).upsert(PR, commentMarker('gpt-4o-mini'), 'b');
    const a2 = await client(api).upsert(PR, commentMarker('gpt-4o'), 'a2');

    expect([a.action, b.action, a2.action]).toEqual(['created', 'created', 'updated']);
    expect(b.id).not.toBe(a.id);
    expect(a2.id).toBe(a.id);
    expect(api.comments(OWNER, REPO, PR).map((c) => c.body)).toEqual([
      `${commentMarker('gpt-4o')}\na2`,
      `${commentMarker('gpt-4o-mini')}\nb`,
    ]);
  });

  it('updates the oldest of several own comments with the marker', async () => {
    const api = await start();
    const own = { owner: OWNER, repo: REPO, issue: PR, login: 'github-actions[bot]', type: 'Bot' as const };
    const oldest = api.seedComment({ ...own, body: `${MARKER}\nold` });
    const newer = api.seedComment({ ...own, body: `${MARKER}\nnewer` });

    const result = await client(api).upsert(PR, MARKER, 'now');

    expect(result).toMatchObject({ action: 'updated', id: oldest.id });
    expect(api.comments(OWNER, REPO, PR).find((c) => c.id === newer.id)?.body).toBe(`${MARKER}\nnewer`);
  });

  it("matches a personal access token's comments by login, ignoring case", async () => {
    const api = await start();
    const first = await client(api, PAT).upsert(PR, MARKER, 'v1');
    expect(api.comments(OWNER, REPO, PR)[0]?.user.login).toBe('OctoCat');
    // The token's own login is `octocat` on GraphQL here: the bot's comments are not its own.
    api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: `${MARKER}\nbot`, login: 'github-actions[bot]' });

    const second = await client(api, PAT).upsert(PR, MARKER, 'v2');
    expect(second).toMatchObject({ action: 'updated', id: first.id });
  });

  it('assumes github-actions[bot] when GraphQL cannot say who the token is', async () => {
    const api = await start();
    const first = await client(api).upsert(PR, MARKER, 'v1');
    // Every try fails: the first and its three retries.
    api.failNext(4, { path: '/graphql', status: 502 });

    const second = await client(api).upsert(PR, MARKER, 'v2');

    expect(api.requests.find((r) => r.path === '/graphql' && r.status === 502)).toBeDefined();
    expect(second).toMatchObject({ action: 'updated', id: first.id });
  });

  it("asks for the token's identity once per instance", async () => {
    const api = await start();
    const comments = client(api);
    await comments.upsert(PR, MARKER, 'v1');
    await comments.upsert(PR, MARKER, 'v2');
    expect(api.requests.filter((r) => r.path === '/graphql')).toHaveLength(1);
  });
});

describe('failures', () => {
  it('turns the read-only token of a fork PR into the fork explanation', async () => {
    const api = await start();
    const error = await failure(client(api, READ_ONLY_TOKEN).upsert(PR, MARKER, 'score'));

    expect(error.status).toBe(403);
    expect(api.comments(OWNER, REPO, PR)).toEqual([]);
    expect(describeCommentFailure(error, { isFork: true, prNumber: PR })).toBe(
      'Cannot comment on PR #12: pull requests from forks get a read-only GITHUB_TOKEN. The results are in the ' +
        'job summary. To comment on fork PRs, see README › Fork pull requests.',
    );
    const sameRepo = describeCommentFailure(error, { isFork: false, prNumber: PR });
    expect(sameRepo).toContain('permissions: pull-requests: write');
    expect(sameRepo).toContain('Resource not accessible by integration');
  });

  it('reports bad credentials as 401 without ever quoting the token', async () => {
    const api = await start();
    const token = 'ghp_NotAKnownToken1234567890abcdefABCDEF';
    const error = await failure(client(api, token).upsert(PR, MARKER, 'score'));

    expect(error.status).toBe(401);
    const message = describeCommentFailure(error, { isFork: false, prNumber: PR });
    expect(message).toMatch(/^Cannot comment on PR #12: GitHub rejected the token \(401: .*Bad credentials/);
    for (const text of [message, error.message, String(error), JSON.stringify(error), error.stack ?? '']) {
      expect(text).not.toContain(token);
    }
    expect(api.requests.every((r) => r.token === token)).toBe(true);
  });

  it('does not leak a malformed token quoted by the HTTP client', async () => {
    const api = await start();
    const token = 'ghp_Secret123456789\nvalue';
    const error = await failure(client(api, token).upsert(PR, MARKER, 'score'));
    const message = describeCommentFailure(error, { isFork: false, prNumber: PR });
    for (const text of [message, error.message, String(error), error.stack ?? '']) {
      expect(text).not.toContain('Secret123456789');
    }
  });

  it('explains a 404 as a repository or PR the token cannot see', async () => {
    const api = await start({
      tokens: { [FAKE_GITHUB_TOKEN]: { ...FAKE_GITHUB_IDENTITY, repos: ['acme/other'] } },
    });
    const error = await failure(client(api).upsert(PR, MARKER, 'score'));
    expect(error.status).toBe(404);
    expect(describeCommentFailure(error, { isFork: false, prNumber: PR })).toContain(
      'the token cannot see this repository or pull request',
    );
  });

  it('explains a 422 for a body over 65,536 characters', async () => {
    const api = await start();
    const error = await failure(client(api).upsert(PR, MARKER, 'x'.repeat(70_000)));
    expect(error.status).toBe(422);
    const message = describeCommentFailure(error, { isFork: false, prNumber: PR });
    expect(message).toContain('GitHub refused the comment body');
    expect(message).toContain('body is too long (maximum is 65536 characters)');
  });

  it('tries a 5xx answer again, so one bad gateway does not leave the comment unwritten', async () => {
    const api = await start();
    api.failNext(1, { method: 'POST', path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments`, status: 502 });

    const result = await client(api).upsert(PR, MARKER, 'score 80%');

    expect(result.action).toBe('created');
    expect(api.comments(OWNER, REPO, PR).map((c) => c.body)).toEqual([`${MARKER}\nscore 80%`]);
    const creates = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'));
    expect(creates.map((r) => r.status)).toEqual([502, 201]);
  });

  it('says how often it tried when the server errors every time', async () => {
    const api = await start();
    api.failNext(4, { method: 'POST', path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments`, status: 500 });
    const error = await failure(client(api).upsert(PR, MARKER, 'score'));
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(4);
    expect(error.operation).toBe('create comment');
    expect(describeCommentFailure(error, { isFork: false, prNumber: PR })).toBe(
      'Cannot comment on PR #12: the GitHub API answered 500 after 4 tries (create comment: Server Error - https://docs.github.com/rest).',
    );
    expect(api.comments(OWNER, REPO, PR)).toEqual([]);
  });

  it('waits out a secondary rate limit that says when to come back, and says so', async () => {
    const api = await start();
    const lines: string[] = [];
    api.failNext(1, {
      method: 'POST',
      path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments`,
      status: 403,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest' },
    });

    const result = await new PullRequestComments(repoClientOptions(api, FAKE_GITHUB_TOKEN, undefined, (line) => lines.push(line))).upsert(PR, MARKER, 'score');

    expect(result.action).toBe('created');
    expect(lines.join('\n')).toMatch(/secondary rate limit was hit \(POST .*\/comments\); trying again in 1 s/);
  });

  it('waits for a primary rate limit that resets soon (403 with x-ratelimit-remaining: 0)', async () => {
    const api = await start();
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    api.failNext(1, { method: 'GET', status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded for installation ID 1.' } });

    expect((await client(api).upsert(PR, MARKER, 'score')).action).toBe('created');
    expect(api.requests.filter((r) => r.status === 403)).toHaveLength(1);
  });

  it('does not hold the job for a rate limit that resets in an hour', async () => {
    const api = await start();
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    api.failNext(1, { method: 'GET', status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded for installation ID 1.' } });

    const error = await failure(client(api).upsert(PR, MARKER, 'score'));

    expect(error.status).toBe(403);
    expect(describeCommentFailure(error, { isFork: false, prNumber: PR })).toMatch(/^Cannot comment on PR #12: the GitHub API rate limit is exhausted \(403: /);
  });

  it('stops on a listing whose next page is always the same page', async () => {
    const api = await start({ stuckPages: true, perPage: 1 });
    api.seedComment({ owner: OWNER, repo: REPO, issue: PR, body: 'lgtm', login: 'dev' });

    const error = await failure(client(api).upsert(PR, MARKER, 'score'));

    expect(error.operation).toBe('list comments');
    expect(error.message).toMatch(/did not advance: page 2 points again to .*page=2/);
    expect(api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'))).toHaveLength(2);
  });

  it('redacts the action\'s own secrets before it cuts a long message', () => {
    const secret = 'sk-the-evals-api-key-0123456789';
    const long = new Error(`${'x'.repeat(290)} ${secret} and more`);
    const message = describeCommentFailure(long, { isFork: false, prNumber: 3 }, (text) => text.split(secret).join('***'));
    expect(message).toContain('***');
    expect(message).not.toContain(secret.slice(0, 6));
  });

  it('gives up on an API that does not answer', async () => {
    const api = await start();
    api.failNext(1, { method: 'GET', delayMs: 10_000 });
    const started = Date.now();
    const error = await failure(client(api, FAKE_GITHUB_TOKEN, 200).upsert(PR, MARKER, 'score'));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.status).toBeNull();
    // A try that got no answer is not repeated: it would only wait as long again.
    expect(error.attempts).toBe(1);
    expect(describeCommentFailure(error, { isFork: false, prNumber: PR })).toBe(
      'Cannot comment on PR #12: list comments: the GitHub API did not answer within 0.2 s',
    );
  });

  it('describes errors it did not make itself, redacting anything shaped like a token', () => {
    const leaked = new Error('request to https://x failed, token ghs_abcdefghijklmnopqrstuvwxyz0123456789');
    const message = describeCommentFailure(leaked, { isFork: false, prNumber: 3 });
    expect(message).toBe('Cannot comment on PR #3: request to https://x failed, token ***');
    expect(describeCommentFailure({ status: 429, message: 'slow down' }, { isFork: true, prNumber: 3 })).toContain(
      'rate limit',
    );
  });
});

describe('commentMarker', () => {
  it('is a hidden HTML comment naming the key', () => {
    expect(commentMarker('eval_123')).toBe('<!-- evals-gate:comment key=eval_123 -->');
  });

  it('encodes keys so they cannot close the comment or span lines', () => {
    for (const key of ['a --> <b>pwned</b>', 'x\n<!-- y', 'gpt-4o--mini', '--', '>', 'a b', '\uD800lone']) {
      const marker = commentMarker(key);
      const prefix = '<!-- evals-gate:comment key=';
      expect(marker.startsWith(prefix) && marker.endsWith(' -->')).toBe(true);
      expect(marker.slice(prefix.length, -' -->'.length)).not.toMatch(/--|-$|>|<|\s/);
    }
  });

  it('gives different keys different markers', () => {
    const keys = ['a', 'A', 'a-b', 'a_b', 'a b', 'a%2Db', 'a%20b', ''];
    expect(new Set(keys.map(commentMarker)).size).toBe(keys.length);
  });
});

describe('hasMarker', () => {
  it('accepts the marker only as the whole first line', () => {
    expect(hasMarker(`${MARKER}\nreport`, MARKER)).toBe(true);
    expect(hasMarker(`${MARKER}\r\nreport edited on the web`, MARKER)).toBe(true);
    expect(hasMarker(MARKER, MARKER)).toBe(true);
    expect(hasMarker(`report\n${MARKER}`, MARKER)).toBe(false);
    expect(hasMarker(`${MARKER}x\nreport`, MARKER)).toBe(false);
    expect(hasMarker(`\n${MARKER}`, MARKER)).toBe(false);
    expect(hasMarker(`> ${MARKER}`, MARKER)).toBe(false);
  });
});
