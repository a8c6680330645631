// The Publisher in process, writing to the loopback GitHub API fake (real Octokit) and to a recording
// runner: outputs, the results file, the job summary, the sticky PR comment ("evaluating…", then the
// result or the error), the tracking issue of scheduled runs, and GitHub failures as warnings whose
// text never carries a secret.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Publisher, type PublishSettings } from '../../../src/action/publish.ts';
import type { BaselineComparison } from '../../../src/analysis/gate-result.ts';
import { commentMarker } from '../../../src/github/comment-marker.ts';
import type { GitContext } from '../../../src/github/context.ts';
import { issueMarker } from '../../../src/github/issue-marker.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN, type FakeGitHub } from '../../fakes/github-api.ts';
import { RecordingRunner } from '../../support/gate-setup.ts';
import { PR_GIT, PUSH_GIT } from '../../support/git-context.ts';
import { OWNER, REPO, useGitHubFake } from '../../support/github-fake-setup.ts';
import { makeResult, makeRun } from '../../support/report-fixtures.ts';

const FORK_TOKEN = 'ghs_ForkReadOnlyToken00000000000000000';
const start = useGitHubFake({ [FORK_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canWrite: false } });

/** A key the gate knows; the publisher must never let it out. */
const SECRET = 'sk-proj-TopSecretKey0123456789abcdef';
const KEY = 'support-gate';
const MARKER = commentMarker(KEY);
const EVAL_NAME = 'Support answers';
const PR = PR_GIT.prNumber!;

// The results file goes to RUNNER_TEMP: a folder of each test's own.
let runnerTemp = '';
let savedRunnerTemp: string | undefined;
beforeEach(() => {
  savedRunnerTemp = process.env.RUNNER_TEMP;
  runnerTemp = mkdtempSync(join(tmpdir(), 'publish-test-'));
  process.env.RUNNER_TEMP = runnerTemp;
});
afterEach(() => {
  if (savedRunnerTemp === undefined) delete process.env.RUNNER_TEMP;
  else process.env.RUNNER_TEMP = savedRunnerTemp;
  rmSync(runnerTemp, { recursive: true, force: true });
});

const SETTINGS: PublishSettings = { comment: true, commentKey: KEY, githubToken: FAKE_GITHUB_TOKEN, reportItems: 20, showItemContent: true, issueOnFailure: false };

function publisher(api: FakeGitHub, options: { git?: GitContext; settings?: Partial<PublishSettings> } = {}) {
  const runner = new RecordingRunner();
  const git = { ...(options.git ?? PR_GIT), apiUrl: api.url };
  const published = new Publisher({ settings: { ...SETTINGS, ...options.settings }, git, runner, secrets: () => [SECRET] });
  return { runner, publisher: published };
}

const prComments = (api: FakeGitHub) => api.comments(OWNER, REPO, PR);
const writes = (api: FakeGitHub) => api.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql').map((r) => `${r.method} ${r.path.replace(/\d+$/, 'N')}`);

const FAILING = makeResult({
  counts: { total: 50, passed: 40, failed: 10, errored: 0, skipped: 0 },
  score: 0.8,
  verdict: { result: 'fail', reasons: ['Score 80.0% is below the threshold 90.0%.'] },
});

describe('Publisher on a pull request', () => {
  it('started: the run id in the outputs, and a comment that says the run is in progress', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api);
    const run = makeRun();

    expect(await p.started(run, EVAL_NAME)).toBe(true);

    expect(runner.outputs).toEqual({ 'run-id': run.id, 'report-url': run.reportUrl });
    const [comment, ...others] = prComments(api);
    expect(others).toEqual([]);
    expect(comment?.body.split('\n')[0]).toBe(MARKER);
    expect(comment?.body).toContain('evaluating…');
    expect(runner.infos).toEqual([`The PR comment says the run is in progress: ${comment?.html_url}`]);
  });

  it('result: outputs, results file and summary; the same comment now holds the result, and the next run edits it again', async () => {
    const api = await start();
    const first = publisher(api);
    await first.publisher.started(makeRun(), EVAL_NAME);
    const result = makeResult();

    await first.publisher.result(result, EVAL_NAME);

    const out = first.runner.outputs;
    expect(out).toMatchObject({ status: 'completed', score: '0.98', total: '50', passed: '49', failed: '1', errored: '0', result: 'pass' });
    expect(out['baseline-run-id']).toBeUndefined();
    const document = JSON.parse(readFileSync(out['results-file']!, 'utf8'));
    expect(out['results-file']!.startsWith(join(runnerTemp, 'evals-gate'))).toBe(true);
    expect(document.run.id).toBe(result.run.id);
    expect(document.verdict.result).toBe('pass');
    expect(first.runner.summary.split('\n')[0]).toBe('### ✅ evals-gate · Support answers: passed');
    const [comment, ...others] = prComments(api);
    expect(others).toEqual([]);
    expect(comment?.body).not.toContain('evaluating…');
    expect(comment?.body).toMatch(/### ✅ .*Support answers.*: passed/);
    expect(out['comment-url']).toBe(comment?.html_url);
    expect(first.runner.infos).toContain(`Updated the PR comment: ${comment?.html_url}`);
    expect(first.runner.warnings).toEqual([]);
    expect(first.runner.failures).toEqual([]);

    // The next workflow run of the same PR: a new publisher, the same comment.
    const second = publisher(api);
    await second.publisher.result(FAILING, EVAL_NAME);
    expect(prComments(api)).toHaveLength(1);
    expect(prComments(api)[0]?.id).toBe(comment?.id);
    expect(prComments(api)[0]?.body).toMatch(/### ❌ .*: failed/);
    expect(second.runner.outputs['comment-url']).toBe(comment?.html_url);
    expect(writes(api)).toEqual([`POST /repos/${OWNER}/${REPO}/issues/${PR}/comments`, `PATCH /repos/${OWNER}/${REPO}/issues/comments/N`, `PATCH /repos/${OWNER}/${REPO}/issues/comments/N`]);
  });

  it('result with a baseline: its run id, the score delta as a workflow compares it, regressions and fixes', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { settings: { comment: false } });
    const baseline: BaselineComparison = {
      baseline: { runId: 'evalrun_base', name: 'main · 1a2b3c4', branch: 'main', reportUrl: null, createdAt: 1_759_900_000 },
      label: 'vs main',
      comparison: {
        pairedBy: 'id',
        paired: 50,
        skippedPairs: 0,
        added: 0,
        removed: 0,
        regressions: [],
        fixes: [],
        baselineScore: 0.8,
        currentScore: 0.7,
        scoreDelta: 0.7 - 0.8,
        mcnemar: { regressions: 7, fixes: 2, pValue: 0.18 },
        criteria: [],
      },
      regressed: [],
      fixed: [],
    };

    await p.result(makeResult({ baseline }), EVAL_NAME);

    expect(runner.outputs).toMatchObject({ 'baseline-run-id': 'evalrun_base', 'score-delta': '-0.1', regressions: '7', fixes: '2' });
  });

  it('comment: false writes nothing to GitHub, and says nothing about it', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { settings: { comment: false } });

    expect(await p.started(makeRun(), EVAL_NAME)).toBe(false);
    await p.result(makeResult(), EVAL_NAME);

    expect(api.requests).toEqual([]);
    expect(runner.outputs['comment-url']).toBeUndefined();
    expect(runner.outputs['run-id']).toBe(makeRun().id);
    expect(runner.summary).not.toBe('');
    expect(runner.warnings).toEqual([]);
    expect(runner.infos).toEqual([]);
  });

  it('without a github-token: the comment is skipped with a warning, the summary still written', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { settings: { githubToken: '' } });

    expect(await p.started(makeRun(), EVAL_NAME)).toBe(false);
    await p.result(makeResult(), EVAL_NAME);

    expect(api.requests).toEqual([]);
    expect(runner.warnings).toEqual(['No github-token or repository: the PR comment was skipped. The report is in the job summary.']);
    expect(runner.summary).toContain('passed');
  });

  it('a fork\'s read-only token: the refusal is a warning that explains it, never a failure', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { git: { ...PR_GIT, isFork: true }, settings: { githubToken: FORK_TOKEN } });

    expect(await p.started(makeRun(), EVAL_NAME)).toBe(false);
    await p.result(FAILING, EVAL_NAME);

    expect(prComments(api)).toEqual([]);
    expect(api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments')).map((r) => r.status)).toEqual([403, 403]);
    expect(runner.infos.filter((line) => line.startsWith('Could not write the in-progress PR comment'))).toHaveLength(1);
    expect(runner.warnings).toEqual([
      `Cannot comment on PR #${PR}: pull requests from forks get a read-only GITHUB_TOKEN. The results are in the job summary. To comment on fork PRs, see README › Fork pull requests.`,
    ]);
    expect(runner.failures).toEqual([]);
    expect(runner.outputs['comment-url']).toBeUndefined();
    expect(runner.outputs.result).toBe('fail');
  });

  it('error after "evaluating…": the comment says what went wrong instead', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api);
    const announced = await p.started(makeRun(), EVAL_NAME);

    await p.error('Waiting for run evalrun_68a1 failed: the Evals API answered 403.', EVAL_NAME, announced);

    const [comment, ...others] = prComments(api);
    expect(others).toEqual([]);
    expect(comment?.body).not.toContain('evaluating…');
    expect(comment?.body).toContain('could not run');
    expect(comment?.body).toContain('the Evals API answered 403');
    expect(runner.outputs['comment-url']).toBe(comment?.html_url);
  });

  it('error before anything was announced: no comment is written (the check\'s log has the error)', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api);

    await p.error('Input "threshold": expected a number.', EVAL_NAME, false);

    expect(api.requests).toEqual([]);
    expect(runner.outputs).toEqual({});
  });

  it('secrets in GitHub\'s answers are redacted from the warnings', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api);
    api.failNext(2, { method: 'POST', path: /\/comments$/, status: 422, body: { message: `Body rejected: it quotes ${SECRET}` } });

    await p.started(makeRun(), EVAL_NAME);
    await p.result(makeResult(), EVAL_NAME);

    expect(runner.warnings).toHaveLength(1);
    expect(runner.warnings[0]).toMatch(/^Cannot comment on PR #12: GitHub refused the comment body.*\(422: .*Body rejected: it quotes \*\*\*/);
    expect(runner.everything()).not.toContain(SECRET);
    expect(runner.everything()).not.toContain(SECRET.slice(8));
  });
});

describe('Publisher without a pull request', () => {
  it('a push writes no comment and says why in the log, not as a warning', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { git: PUSH_GIT });

    expect(await p.started(makeRun(), EVAL_NAME)).toBe(false);
    await p.result(makeResult(), EVAL_NAME);
    await p.error('boom', EVAL_NAME, true);

    expect(api.requests).toEqual([]);
    expect(runner.infos).toEqual(['No pull request in this push event: no comment written (the report is in the job summary).']);
    expect(runner.warnings).toEqual([]);
  });
});

describe('Publisher and the tracking issue (issue-on-failure)', () => {
  const SCHEDULE: GitContext = { ...PUSH_GIT, eventName: 'schedule' };
  const issues = (api: FakeGitHub) => api.issues(OWNER, REPO);

  it('a scheduled run that fails opens the issue, the next failure comments on it, a pass closes it', async () => {
    const api = await start();
    const tracked = { git: SCHEDULE, settings: { issueOnFailure: true } };

    const night1 = publisher(api, tracked);
    await night1.publisher.result(FAILING, EVAL_NAME);
    const [issue, ...others] = issues(api);
    expect(others).toEqual([]);
    expect(issue).toMatchObject({ state: 'open', title: 'evals-gate: Support answers is failing on main' });
    expect(issue?.body?.split('\n')[0]).toBe(issueMarker(KEY));
    expect(issue?.body).toContain('below the threshold');
    expect(issue?.body).toContain(`Reported by [this workflow run](${PR_GIT.workflowRunUrl})`);
    expect(night1.runner.infos).toContain(`Opened the tracking issue #${issue?.number}: ${issue?.html_url}`);

    const night2 = publisher(api, tracked);
    await night2.publisher.result(FAILING, EVAL_NAME);
    expect(issues(api)).toHaveLength(1);
    expect(api.comments(OWNER, REPO, issue!.number)).toHaveLength(1);
    expect(night2.runner.infos).toContain(`Commented on the tracking issue #${issue?.number}: ${issue?.html_url}`);

    const night3 = publisher(api, tracked);
    await night3.publisher.result(makeResult(), EVAL_NAME);
    expect(issues(api)[0]?.state).toBe('closed');
    const recovery = api.comments(OWNER, REPO, issue!.number).at(-1)?.body ?? '';
    expect(recovery).toMatch(/^✅ The gate passes again on main in \[this workflow run\]/);
    expect(night3.runner.infos).toContain(`Closed the tracking issue #${issue?.number}: ${issue?.html_url}`);
    for (const night of [night1, night2, night3]) expect(night.runner.warnings).toEqual([]);
  });

  it('a scheduled gate that could not run at all opens the issue too', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { git: SCHEDULE, settings: { issueOnFailure: true } });

    await p.error('Eval eval_123 was not found (404).', EVAL_NAME, false);

    const [issue] = issues(api);
    expect(issue?.body).toContain('could not run');
    expect(issue?.body).toContain('was not found (404)');
    expect(runner.infos).toContain(`Opened the tracking issue #${issue?.number}: ${issue?.html_url}`);
  });

  it('acts on schedule runs only: a failing push leaves issues alone', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { git: PUSH_GIT, settings: { issueOnFailure: true } });

    await p.result(FAILING, EVAL_NAME);
    await p.error('boom', EVAL_NAME, false);

    expect(issues(api)).toEqual([]);
    expect(api.requests).toEqual([]);
    expect(runner.infos).toContain('issue-on-failure acts on schedule runs only; this is a push run.');
  });

  it('issue-on-failure off: a failing scheduled run opens nothing', async () => {
    const api = await start();
    const { publisher: p } = publisher(api, { git: SCHEDULE });

    await p.result(FAILING, EVAL_NAME);

    expect(api.requests).toEqual([]);
  });

  it('a refusal to write the issue is a warning, with secrets redacted', async () => {
    const api = await start();
    const { runner, publisher: p } = publisher(api, { git: SCHEDULE, settings: { issueOnFailure: true } });
    api.failNext(1, { method: 'POST', path: /\/issues$/, status: 403, body: { message: `Resource not accessible with ${SECRET}` } });

    await p.result(FAILING, EVAL_NAME);

    expect(issues(api)).toEqual([]);
    expect(runner.warnings).toHaveLength(1);
    expect(runner.warnings[0]).toMatch(/^Cannot update the tracking issue: the token may not write issues \(403: create issue: Resource not accessible with \*\*\*\)/);
    expect(runner.everything()).not.toContain(SECRET);
    expect(runner.failures).toEqual([]);
  });
});

