import { describe, expect, it } from 'vitest';
import { commentMarker } from '../../../src/github/comment-marker.ts';
import { GitHubApiError } from '../../../src/github/github-api.ts';
import { PullRequestComments } from '../../../src/github/pull-request-comments.ts';
import { describeIssueFailure, issueMarker, TrackingIssues } from '../../../src/github/tracking-issue.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, type FakeGitHub, type SeedIssue } from '../../fakes/github-api.ts';
import { OWNER, PAT, REPO, repoClientOptions, useGitHubFake } from '../../support/github-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const KEY = 'eval_123';
const MARKER = issueMarker(KEY);
const NO_ISSUES_TOKEN = 'ghs_NoIssuesPermission0000000000000000';

const start = useGitHubFake({ [NO_ISSUES_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canWriteIssues: false } });

function client(api: FakeGitHub, token = FAKE_GITHUB_TOKEN, requestTimeoutMs?: number): TrackingIssues {
  return new TrackingIssues(repoClientOptions(api, token, requestTimeoutMs));
}

/** An issue as the gate's own identity, GITHUB_TOKEN's bot. */
function own(fields: Omit<SeedIssue, 'owner' | 'repo' | 'login'>): SeedIssue {
  return { owner: OWNER, repo: REPO, login: 'github-actions[bot]', type: 'Bot', ...fields };
}

function writes(api: FakeGitHub, since = 0) {
  return api.requests
    .slice(since)
    .filter((r) => r.method !== 'GET' && r.path !== '/graphql')
    .map((r) => `${r.method} ${r.path}`);
}

const failure = (promise: Promise<unknown>) => expectRejection(promise, GitHubApiError);

describe('TrackingIssues.reportFailure', () => {
  it('opens one issue, marker first, when none is open', async () => {
    const api = await start();

    const result = await client(api).reportFailure(KEY, 'Evals gate failing: eval_123', '### ❌ 70% < 80%');

    const [issue, ...others] = api.issues(OWNER, REPO);
    expect(others).toEqual([]);
    expect(result).toEqual({ action: 'created', number: issue?.number, url: issue?.html_url });
    expect(result.url).toBe(`https://github.com/${OWNER}/${REPO}/issues/${result.number}`);
    expect(issue).toMatchObject({
      title: 'Evals gate failing: eval_123',
      body: `${MARKER}\n### ❌ 70% < 80%`,
      state: 'open',
      user: { login: 'github-actions[bot]' },
    });
    expect(writes(api)).toEqual([`POST /repos/${OWNER}/${REPO}/issues`]);
  });

  it('comments on its open issue on the next failure instead of opening another', async () => {
    const api = await start();
    const first = await client(api).reportFailure(KEY, 'failing', 'night 1');

    // A new instance, as in the next scheduled run.
    const second = await client(api).reportFailure(KEY, 'failing', 'night 2');

    expect(second).toEqual({ action: 'commented', number: first.number, url: first.url });
    expect(api.issues(OWNER, REPO)).toHaveLength(1);
    const comments = api.comments(OWNER, REPO, first.number);
    expect(comments.map((c) => c.body)).toEqual(['night 2']);
    expect(comments[0]?.html_url).toMatch(new RegExp(`/issues/${first.number}#issuecomment-\\d+$`));
    expect(api.issues(OWNER, REPO)[0]?.body).toBe(`${MARKER}\nnight 1`);
  });

  it("ignores someone else's issue, a closed one, a pull request and a marker off the first line", async () => {
    const api = await start();
    const decoys = [
      api.seedIssue({ owner: OWNER, repo: REPO, title: 'forged', body: `${MARKER}\nall green`, login: 'mallory' }),
      api.seedIssue({ owner: OWNER, repo: REPO, title: 'pat', body: `${MARKER}\nx`, login: 'OctoCat' }),
      api.seedIssue(own({ title: 'old', body: `${MARKER}\nfixed last week`, state: 'closed' })),
      api.seedIssue(own({ title: 'pr', body: `${MARKER}\na pull request`, isPullRequest: true })),
      api.seedIssue(own({ title: 'quoted', body: `see below\n${MARKER}` })),
      api.seedIssue(own({ title: 'comment marker', body: `${commentMarker(KEY)}\nsticky comment text` })),
    ];

    const result = await client(api).reportFailure(KEY, 'failing', 'report');

    expect(result.action).toBe('created');
    expect(decoys.map((d) => d.number)).not.toContain(result.number);
    expect(writes(api)).toEqual([`POST /repos/${OWNER}/${REPO}/issues`]);
    for (const decoy of decoys) expect(api.comments(OWNER, REPO, decoy.number)).toEqual([]);
  });

  it('finds its issue on page 3 of 250 open issues', async () => {
    const api = await start();
    const ours = api.seedIssue(own({ title: 'failing', body: `${MARKER}\nnight 1` }));
    for (let i = 0; i < 250; i++) {
      api.seedIssue({ owner: OWNER, repo: REPO, title: `bug ${i}`, body: `text ${i}`, login: `user${i % 7}` });
    }

    const before = api.requests.length;
    const result = await client(api).reportFailure(KEY, 'failing', 'night 2');

    expect(result).toMatchObject({ action: 'commented', number: ours.number });
    const listings = api.requests.slice(before).filter((r) => r.path === `/repos/${OWNER}/${REPO}/issues`);
    expect(listings.map((r) => r.query['page'] ?? '1')).toEqual(['1', '2', '3']);
    expect(listings.every((r) => r.query['state'] === 'open' && r.query['per_page'] === '100')).toBe(true);
    expect(api.issues(OWNER, REPO)).toHaveLength(251);
  });

  it('stops looking after a bounded number of pages', async () => {
    const api = await start({ perPage: 2 });
    api.seedIssue(own({ title: 'failing', body: `${MARKER}\nnight 1` }));
    for (let i = 0; i < 30; i++) api.seedIssue({ owner: OWNER, repo: REPO, title: `bug ${i}`, login: 'dev' });

    const result = await client(api).reportFailure(KEY, 'failing', 'night 2');

    const listings = api.requests.filter((r) => r.method === 'GET' && r.path === `/repos/${OWNER}/${REPO}/issues`);
    expect(listings).toHaveLength(10);
    expect(result.action).toBe('created');
  });

  it('comments on the oldest of several own open issues with the marker', async () => {
    const api = await start();
    const oldest = api.seedIssue(own({ title: 'failing', body: `${MARKER}\nfirst` }));
    const newer = api.seedIssue(own({ title: 'failing', body: `${MARKER}\nraced` }));

    const result = await client(api).reportFailure(KEY, 'failing', 'again');

    expect(result).toMatchObject({ action: 'commented', number: oldest.number });
    expect(api.comments(OWNER, REPO, newer.number)).toEqual([]);
  });

  it("matches a personal access token's issues by login, ignoring case", async () => {
    const api = await start();
    const first = await client(api, PAT).reportFailure(KEY, 'failing', 'v1');
    expect(api.issues(OWNER, REPO)[0]?.user.login).toBe('OctoCat');

    expect(await client(api, PAT).reportFailure(KEY, 'failing', 'v2')).toMatchObject({
      action: 'commented',
      number: first.number,
    });
    // The bot is someone else: it opens its own.
    expect((await client(api).reportFailure(KEY, 'failing', 'v3')).action).toBe('created');
  });

  it('keeps one issue per key, whatever the keys hold', async () => {
    const api = await start();
    const keys = ['a', 'a b', 'a-->', 'a --> <b>x</b>', 'a%20b'];
    const created: { action: string; number: number }[] = [];
    for (const key of keys) created.push(await client(api).reportFailure(key, `failing ${key}`, key));
    const again = await client(api).reportFailure('a b', 'failing', 'again');

    expect(created.map((r) => r.action)).toEqual(keys.map(() => 'created'));
    expect(new Set(created.map((r) => r.number)).size).toBe(keys.length);
    expect(again).toMatchObject({ action: 'commented', number: created[1]?.number });
    expect(api.issues(OWNER, REPO).map((i) => i.body)).toEqual(keys.map((key) => `${issueMarker(key)}\n${key}`));
  });
});

describe('TrackingIssues.reportRecovery', () => {
  it('comments on its open issue, then closes it as completed', async () => {
    const api = await start();
    const failed = await client(api).reportFailure(KEY, 'failing', 'night 1');
    const before = api.requests.length;

    const result = await client(api).reportRecovery(KEY, '✅ passing again');

    expect(result).toEqual({ action: 'closed', number: failed.number, url: failed.url });
    expect(writes(api, before)).toEqual([
      `POST /repos/${OWNER}/${REPO}/issues/${failed.number}/comments`,
      `PATCH /repos/${OWNER}/${REPO}/issues/${failed.number}`,
    ]);
    expect(api.requests.at(-1)?.body).toEqual({ state: 'closed', state_reason: 'completed' });
    expect(api.comments(OWNER, REPO, failed.number).map((c) => c.body)).toEqual(['✅ passing again']);
    expect(api.issues(OWNER, REPO)[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });

    // The next failure opens a new issue rather than reviving the closed one.
    const next = await client(api).reportFailure(KEY, 'failing', 'night 3');
    expect(next.action).toBe('created');
    expect(next.number).not.toBe(failed.number);
  });

  it('does nothing, and writes nothing, when no issue of its own is open', async () => {
    const api = await start();
    api.seedIssue(own({ title: 'old', body: `${MARKER}\nfixed`, state: 'closed' }));
    api.seedIssue({ owner: OWNER, repo: REPO, title: 'forged', body: `${MARKER}\nx`, login: 'mallory' });
    api.seedIssue(own({ title: 'pr', body: `${MARKER}\nx`, isPullRequest: true }));

    expect(await client(api).reportRecovery(KEY, 'passing')).toEqual({ action: 'none' });
    expect(writes(api)).toEqual([]);
    expect(api.issues(OWNER, REPO).map((i) => i.state)).toEqual(['closed', 'open', 'open']);
  });
});

describe('size limits', () => {
  it('cuts an issue body over 65,536 characters, keeping the marker first', async () => {
    const api = await start();
    const result = await client(api).reportFailure(KEY, 'failing', '😀'.repeat(70_000));

    expect(result.action).toBe('created');
    const body = api.issues(OWNER, REPO)[0]?.body ?? '';
    expect(body.startsWith(`${MARKER}\n😀`)).toBe(true);
    expect([...body].length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/Cut here: the report is longer than GitHub allows in an issue\.\)\*$/);
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('cuts comment bodies and titles too', async () => {
    const api = await start();
    const first = await client(api).reportFailure(KEY, `failing ${'x'.repeat(300)}\nsecond line`, 'night 1');
    await client(api).reportFailure(KEY, 'failing', 'y'.repeat(70_000));
    await client(api).reportRecovery(KEY, 'z'.repeat(70_000));

    const title = api.issues(OWNER, REPO)[0]?.title ?? '';
    expect([...title].length).toBeLessThanOrEqual(256);
    expect(title).toMatch(/^failing x+…$/);
    const comments = api.comments(OWNER, REPO, first.number);
    expect(comments).toHaveLength(2);
    for (const comment of comments) expect([...comment.body].length).toBeLessThanOrEqual(65_536);
  });

  it('never sends an empty title', async () => {
    const api = await start();
    await client(api).reportFailure(KEY, '  \n ', 'report');
    expect(api.issues(OWNER, REPO)[0]?.title).toBe('Evals gate failing');
  });
});

describe('failures', () => {
  it('explains a 403 from a job without `issues: write`', async () => {
    const api = await start();
    const error = await failure(client(api, NO_ISSUES_TOKEN).reportFailure(KEY, 'failing', 'report'));

    expect(error.status).toBe(403);
    expect(error.operation).toBe('create issue');
    expect(api.issues(OWNER, REPO)).toEqual([]);
    const message = describeIssueFailure(error);
    expect(message).toMatch(/^Cannot update the tracking issue: the token may not write issues \(403: /);
    expect(message).toContain('Resource not accessible by integration');
    expect(message).toContain('`permissions: issues: write`');
    expect(message).not.toContain(NO_ISSUES_TOKEN);
  });

  it('fails to comment on or close an issue without `issues: write`, while PR comments still work', async () => {
    const api = await start();
    const ours = api.seedIssue(own({ title: 'failing', body: `${MARKER}\nnight 1` }));

    const error = await failure(client(api, NO_ISSUES_TOKEN).reportRecovery(KEY, 'passing'));
    expect(error).toMatchObject({ status: 403, operation: 'comment on issue' });
    expect(api.issues(OWNER, REPO)[0]?.state).toBe('open');

    const pr = new PullRequestComments(repoClientOptions(api, NO_ISSUES_TOKEN));
    expect((await pr.upsert(ours.number + 1, commentMarker(KEY), 'score')).action).toBe('created');
  });

  it('reports a failed close after the comment went through', async () => {
    const api = await start();
    const ours = api.seedIssue(own({ title: 'failing', body: `${MARKER}\nnight 1` }));
    api.failNext(4, { method: 'PATCH', path: `/repos/${OWNER}/${REPO}/issues/${ours.number}`, status: 502 });

    const error = await failure(client(api).reportRecovery(KEY, 'passing'));

    expect(error).toMatchObject({ status: 502, operation: 'close issue' });
    expect(describeIssueFailure(error)).toBe(
      'Cannot update the tracking issue: the GitHub API answered 502 after 4 tries ' +
        '(close issue: Server Error - https://docs.github.com/rest).',
    );
    expect(api.issues(OWNER, REPO)[0]?.state).toBe('open');
  });

  it('reports bad credentials as 401 without ever quoting the token', async () => {
    const api = await start();
    const token = 'ghp_NotAKnownToken1234567890abcdefABCDEF';
    const error = await failure(client(api, token).reportFailure(KEY, 'failing', 'report'));

    expect(error.status).toBe(401);
    const message = describeIssueFailure(error);
    expect(message).toMatch(/^Cannot update the tracking issue: GitHub rejected the token \(401: .*Bad credentials/);
    for (const text of [message, error.message, String(error), JSON.stringify(error), error.stack ?? '']) {
      expect(text).not.toContain(token);
    }
  });

  it('explains a 404, a 410 and a 422', async () => {
    const api = await start({ tokens: { [FAKE_GITHUB_TOKEN]: { ...FAKE_GITHUB_IDENTITY, repos: ['acme/other'] } } });
    const notFound = await failure(client(api).reportFailure(KEY, 'failing', 'report'));
    expect(describeIssueFailure(notFound)).toContain('the token cannot see this repository or issue (404: ');

    const other = new TrackingIssues({ ...repoClientOptions(api), repo: 'other' });
    const create = { method: 'POST', path: `/repos/${OWNER}/other/issues` };
    api.failNext(1, { ...create, status: 410, body: { message: 'Issues are disabled for this repo' } });
    const disabled = await failure(other.reportFailure(KEY, 'failing', 'report'));
    expect(describeIssueFailure(disabled)).toContain('issues are turned off in this repository (410: ');

    api.failNext(1, { ...create, status: 422 });
    const refused = await failure(other.reportFailure(KEY, 'failing', 'report'));
    expect(describeIssueFailure(refused)).toContain('GitHub refused the issue or comment');
  });

  it('stops on an issue listing whose next page is always the same page', async () => {
    const api = await start({ stuckPages: true, perPage: 1 });
    api.seedIssue({ owner: OWNER, repo: REPO, title: 'unrelated', login: 'dev' });

    const error = await failure(client(api).reportFailure(KEY, 'failing', 'report'));

    expect(error.operation).toBe('list issues');
    expect(describeIssueFailure(error)).toMatch(/^Cannot update the tracking issue: list issues: the listing did not advance/);
    expect(api.issues(OWNER, REPO)).toHaveLength(1);
  });

  it('gives up on an API that does not answer', async () => {
    const api = await start();
    api.failNext(1, { method: 'GET', path: `/repos/${OWNER}/${REPO}/issues`, delayMs: 10_000 });
    const started = Date.now();
    const error = await failure(client(api, FAKE_GITHUB_TOKEN, 200).reportFailure(KEY, 'failing', 'report'));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(describeIssueFailure(error)).toBe(
      'Cannot update the tracking issue: list issues: the GitHub API did not answer within 0.2 s',
    );
  });

  it('describes errors it did not make itself, redacting anything shaped like a token', () => {
    const leaked = new Error('request failed, token ghs_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(describeIssueFailure(leaked)).toBe('Cannot update the tracking issue: request failed, token ***');
    expect(describeIssueFailure({ status: 403, message: 'API rate limit exceeded for installation' })).toContain(
      'rate limit is exhausted',
    );
  });
});

describe('issueMarker', () => {
  it('is a hidden HTML comment naming the key, apart from the sticky comment markers', () => {
    expect(issueMarker('eval_123')).toBe('<!-- evals-gate:issue key=eval_123 -->');
    expect(issueMarker('eval_123')).not.toBe(commentMarker('eval_123'));
  });

  it('encodes keys so they cannot close the comment, span lines or collide', () => {
    const keys = ['a', 'A', 'a b', 'a-b', 'a--b', 'a-->', 'x\n<!-- y', '>', 'a%20b', '', '\uD800lone'];
    const prefix = '<!-- evals-gate:issue key=';
    for (const key of keys) {
      const marker = issueMarker(key);
      expect(marker.startsWith(prefix) && marker.endsWith(' -->')).toBe(true);
      expect(marker.slice(prefix.length, -' -->'.length)).not.toMatch(/--|-$|>|<|\s/);
    }
    expect(new Set(keys.map(issueMarker)).size).toBe(keys.length);
  });
});

describe('the fake issues API', () => {
  async function get(api: FakeGitHub, path: string) {
    const response = await fetch(`${api.url}${path}`, { headers: { authorization: `token ${FAKE_GITHUB_TOKEN}` } });
    return { status: response.status, link: response.headers.get('link'), body: (await response.json()) as unknown };
  }

  it('lists issues and pull requests newest first, filtered as GitHub filters them', async () => {
    const api = await start({ perPage: 2 });
    const base = { owner: OWNER, repo: REPO };
    const a = api.seedIssue({ ...base, title: 'a', login: 'dev', labels: ['bug'] });
    const b = api.seedIssue({ ...base, title: 'b', login: 'Other', isPullRequest: true });
    const c = api.seedIssue({ ...base, title: 'c', login: 'dev', state: 'closed' });
    const d = api.seedIssue({ ...base, title: 'd', login: 'dev', labels: ['bug', 'nightly'] });

    const numbers = (body: unknown) => (body as { number: number }[]).map((issue) => issue.number);
    const open = await get(api, `/repos/${OWNER}/${REPO}/issues`);
    expect(numbers(open.body)).toEqual([d.number, b.number]);
    expect((open.body as { pull_request?: unknown }[])[1]?.pull_request).toBeDefined();
    const all = await get(api, `/repos/${OWNER}/${REPO}/issues?state=all&per_page=10`);
    expect(numbers(all.body)).toEqual([d.number, c.number]);
    const next = /<([^>]+)>; rel="next"/.exec(all.link ?? '')?.[1] ?? '';
    expect(new URL(next).search).toBe('?state=all&per_page=10&page=2');
    expect(numbers((await get(api, new URL(next).pathname + new URL(next).search)).body)).toEqual([b.number, a.number]);
    const filtered = await get(api, `/repos/${OWNER}/${REPO}/issues?creator=DEV&labels=bug&direction=asc`);
    expect(numbers(filtered.body)).toEqual([a.number, d.number]);
    expect((await get(api, `/repos/${OWNER}/${REPO}/issues?state=shut`)).status).toBe(422);

    expect(await get(api, `/repos/${OWNER}/${REPO}/issues/${c.number}`)).toMatchObject({
      status: 200,
      body: { number: c.number, state: 'closed', state_reason: 'completed' },
    });
    expect((await get(api, `/repos/${OWNER}/${REPO}/issues/999`)).status).toBe(404);
  });
});
