// End-to-end tests of run history on the local engine: the bundle (dist/index.js) keeps each run's
// record as a workflow artifact through the real @actions/artifact (to the results service fake), and
// later runs find their baseline and trend among the repository's artifacts through the GitHub fake.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoArtifactName } from '../../src/history/artifact-name.ts';
import { closeFakesAfterEachTest, comments, EIGHT_OF_TEN, rows } from '../harness/e2e-setup.ts';
import { EVAL_FILE, FORK_REPOSITORY_ID, freshSha, historyJob, type HistoryFakes, NO_ACTIONS_TOKEN, startHistoryFakes } from '../harness/history-setup.ts';
import { commandMessages, warningText, type StepResult } from '../harness/runner.ts';

closeFakesAfterEachTest();

const NAME = autoArtifactName(EVAL_FILE);
/** Rows 3 and 8 fail (80%); in a PR, rows 0 and 1 regress and row 8 is fixed (70%). */
const REGRESS_TWO_FIX_ONE = rows(10, { 0: 'Nope.', 1: 'Wrong.', 3: 'I do not know.' });

function expectPassedQuietly(result: StepResult): void {
  expect(result.exitCode, result.stdout).toBe(0);
  expect(commandMessages(result, 'error')).toEqual([]);
}

function storedRecord(fakes: HistoryFakes, id: string | undefined) {
  const artifact = fakes.results.store.byId(Number(id));
  if (!artifact?.content) throw new Error(`no artifact ${id}`);
  const [header = '', ...items] = artifact.content.toString('utf8').trimEnd().split('\n');
  return { artifact, header: JSON.parse(header) as Record<string, unknown>, items };
}

/** A push run on main with `data`, at `sha`: it keeps the record later runs compare with. */
async function pushOnMain(fakes: HistoryFakes, options: { sha?: string; data?: typeof EIGHT_OF_TEN; event?: 'push' | 'schedule' } = {}) {
  const { job, run } = historyJob(fakes, { event: options.event ?? 'push', sha: options.sha, data: options.data, inputs: { threshold: '60%' } });
  const result = await job.runMain();
  expectPassedQuietly(result);
  return { result, run };
}

describe('a push on main, then a pull request', () => {
  it('keeps the record, and the PR is compared with it: two regressions, one fix, in the outputs and the comment', async () => {
    const fakes = await startHistoryFakes();
    const mainSha = freshSha();
    const { result: push, run: pushRun } = await pushOnMain(fakes, { sha: mainSha });
    expect(warningText(push)).toBe('');
    expect(push.summary).toMatch(/No baseline: no record of this gate/);
    const stored = storedRecord(fakes, push.outputs['results-artifact-id']);
    expect(stored.artifact.name).toBe(NAME);
    expect(stored.header).toMatchObject({ schema: 'evals-gate/results-record', version: 1, event: 'push', branch: 'main', sha: mainSha, pr: null, workflow_run: { id: String(pushRun.id) }, gate_key: EVAL_FILE, score: 0.8, verdict: 'pass' });
    expect(stored.items).toHaveLength(10);

    const { job } = historyJob(fakes, { event: 'pull_request', baseSha: mainSha, data: REGRESS_TWO_FIX_ONE, inputs: { threshold: '60%' } });
    const before = fakes.github.requests.length;
    const pr = await job.runMain();
    expectPassedQuietly(pr);
    expect(pr.outputs).toMatchObject({ regressions: '2', fixes: '1', 'score-delta': '-0.1' });
    const body = comments(fakes)[0]?.body ?? '';
    expect(body).toMatch(/Compared with \[main · [0-9a-f]{7}, the pull request's base commit, less than an hour old\]\(https:\/\/github\.com\/octo-org\/octo-repo\/actions\/runs\/\d+\)/);
    expect(body).toMatch(/2 regressions, 1 fix/);
    expect(body).toContain('Regressions vs main');
    // The PR run keeps its own record too, which no later baseline uses.
    expect(storedRecord(fakes, pr.outputs['results-artifact-id']).header).toMatchObject({ event: 'pull_request', pr: 7 });
    // One listing page and one download.
    const rest = fakes.github.requests.slice(before).filter((request) => request.path.includes('/actions/artifacts'));
    expect(rest.map((request) => request.path.replace(/.*\/actions\//, ''))).toEqual(['artifacts', `artifacts/${stored.artifact.id}/zip`]);
  });

  it('prefers the record of the base commit to a newer one on main', async () => {
    const fakes = await startHistoryFakes();
    const baseSha = freshSha();
    await pushOnMain(fakes, { sha: baseSha });
    await pushOnMain(fakes, { data: rows(10, [8]), sha: freshSha() });
    const { job } = historyJob(fakes, { event: 'pull_request', baseSha, data: EIGHT_OF_TEN });
    const pr = await job.runMain();
    expect(pr.outputs).toMatchObject({ regressions: '0', fixes: '0' });
    expect(comments(fakes)[0]?.body).toContain(`main · ${baseSha.slice(0, 7)}, the pull request's base commit`);
  });

  it('never uses a fork pull request artifact of the same name, even newer and on a branch called main', async () => {
    const fakes = await startHistoryFakes();
    await pushOnMain(fakes);
    // The fork's run uploads a record of its own: everything passes there.
    const fork = historyJob(fakes, { event: 'fork_pull_request', data: rows(10) });
    const forked = await fork.job.runMain();
    const forkArtifact = fakes.results.store.byId(Number(forked.outputs['results-artifact-id']));
    expect(forkArtifact).toMatchObject({ name: NAME, run: { headRepositoryId: FORK_REPOSITORY_ID, headBranch: 'main' } });

    const { job } = historyJob(fakes, { event: 'pull_request', data: EIGHT_OF_TEN });
    const pr = await job.runMain();
    // Against the fork's 100% this would be two regressions; against main's own record there are none.
    expect(pr.outputs).toMatchObject({ regressions: '0', fixes: '0', 'score-delta': '0' });
  });

  it('never takes one pull request run as the baseline of another', async () => {
    const fakes = await startHistoryFakes();
    const first = historyJob(fakes, { event: 'pull_request', pr: 7, data: rows(10) });
    expectPassedQuietly(await first.job.runMain());
    const second = historyJob(fakes, { event: 'pull_request', pr: 8 });
    const result = await second.job.runMain();
    expect(result.outputs.regressions).toBeUndefined();
    expect(result.summary).toMatch(/No baseline: no record of this gate .* on main yet/);
  });
});

describe('when there is no usable record', () => {
  it('passes over expired records and says they expired', async () => {
    const fakes = await startHistoryFakes();
    const { result } = await pushOnMain(fakes);
    const artifact = fakes.results.store.byId(Number(result.outputs['results-artifact-id']));
    if (artifact) artifact.expired = true;
    const pr = await historyJob(fakes, { event: 'pull_request' }).job.runMain();
    expect(pr.outputs.regressions).toBeUndefined();
    expect(pr.summary).toMatch(/No baseline: the records of this gate .* on main have expired/);
    expect(fakes.github.requests.some((request) => request.path.endsWith('/zip'))).toBe(false);
  });

  it('without actions: read: one warning naming the permission, the note, and a verdict on the threshold alone', async () => {
    const fakes = await startHistoryFakes();
    await pushOnMain(fakes);
    const pr = await historyJob(fakes, { event: 'pull_request', data: REGRESS_TWO_FIX_ONE, inputs: { 'github-token': NO_ACTIONS_TOKEN, threshold: '60%', 'max-regressions': '0' } }).job.runMain();
    expect(pr.exitCode, pr.stdout).toBe(0);
    const warnings = commandMessages(pr, 'warning');
    expect(warnings.filter((line) => line.includes('permissions: actions: read'))).toHaveLength(1);
    expect(pr.summary).toMatch(/No baseline: reading the records of earlier runs needs .*permissions: actions: read/);
    expect(pr.outputs.regressions).toBeUndefined();
  });

  it('says when the records are of another kind of data', async () => {
    const fakes = await startHistoryFakes();
    const { result } = await pushOnMain(fakes);
    const artifact = fakes.results.store.byId(Number(result.outputs['results-artifact-id']));
    if (artifact?.content) artifact.content = Buffer.from(artifact.content.toString('utf8').replace('"kind":"jsonl"', '"kind":"completions"'));
    const pr = await historyJob(fakes, { event: 'pull_request' }).job.runMain();
    expect(pr.summary).toMatch(/No baseline: the records of this gate .* are of another kind of data .*the dataset changed/);
  });
});

describe('keeping records', () => {
  it('results-artifact: none keeps nothing and talks to no results service', async () => {
    const fakes = await startHistoryFakes();
    const { job } = historyJob(fakes, { event: 'push', inputs: { 'results-artifact': 'none' } });
    const result = await job.runMain();
    expectPassedQuietly(result);
    expect(result.outputs['results-artifact-id']).toBeUndefined();
    expect(fakes.results.requests).toEqual([]);
  });

  it('a failed upload is one warning and leaves the verdict alone: a name taken in this workflow run, no runtime token', async () => {
    const fakes = await startHistoryFakes();
    const first = historyJob(fakes, { event: 'push', inputs: { 'results-artifact': 'shared.jsonl' } });
    expectPassedQuietly(await first.job.runMain());
    const again = await historyJob(fakes, { event: 'push', run: first.run, inputs: { 'results-artifact': 'shared.jsonl' } }).job.runMain();
    expectPassedQuietly(again);
    expect(commandMessages(again, 'warning')).toEqual([expect.stringMatching(/results record was not kept as artifact "shared\.jsonl": .*already exists on the workflow run.*the verdict is unchanged/)]);
    expect(again.outputs['results-artifact-id']).toBeUndefined();
    expect(again.outputs.result).toBe('pass');

    const outside = await historyJob(fakes, { event: 'push', env: { ACTIONS_RUNTIME_TOKEN: '' } }).job.runMain();
    expectPassedQuietly(outside);
    expect(commandMessages(outside, 'warning')).toEqual([expect.stringMatching(/no ACTIONS_RUNTIME_TOKEN/)]);
  });

  it('a failing blob host is one warning too', async () => {
    const fakes = await startHistoryFakes();
    fakes.results.failNext(1, { host: 'blob', operation: 'block', status: 403 });
    const result = await historyJob(fakes, { event: 'push' }).job.runMain();
    expectPassedQuietly(result);
    expect(commandMessages(result, 'warning')).toEqual([expect.stringMatching(/results record was not kept/)]);
  });

  it('two matrix gates with different comment keys in one workflow run keep one record each', async () => {
    const fakes = await startHistoryFakes();
    const left = historyJob(fakes, { event: 'push', inputs: { 'comment-key': 'support (gpt-a)' } });
    const right = historyJob(fakes, { event: 'push', run: left.run, inputs: { 'comment-key': 'support (gpt-b)' } });
    const results = [await left.job.runMain(), await right.job.runMain()];
    for (const result of results) expect(commandMessages(result, 'warning')).toEqual([]);
    const names = results.map((result) => fakes.results.store.byId(Number(result.outputs['results-artifact-id']))?.name);
    expect(new Set(names).size).toBe(2);
    expect(names).toEqual([autoArtifactName('support (gpt-a)'), autoArtifactName('support (gpt-b)')]);
  });
});

describe('a baseline file', () => {
  it('compares with a results file of an earlier run, in the workspace', async () => {
    const fakes = await startHistoryFakes();
    const { result } = await pushOnMain(fakes);
    const earlier = readFileSync(result.outputs['results-file'] ?? '', 'utf8');
    const { job } = historyJob(fakes, { event: 'pull_request', data: REGRESS_TWO_FIX_ONE, inputs: { baseline: 'baseline/results.json', threshold: '60%' } });
    mkdirSync(join(job.workspace, 'baseline'), { recursive: true });
    writeFileSync(join(job.workspace, 'baseline/results.json'), earlier);
    const before = fakes.github.requests.length;
    const pr = await job.runMain();
    expect(pr.outputs).toMatchObject({ regressions: '2', fixes: '1' });
    expect(comments(fakes)[0]?.body).toMatch(/Compared with main · [0-9a-f]{7}, from baseline\/results\.json/);
    // No artifact was listed: the file was the baseline.
    expect(fakes.github.requests.slice(before).filter((request) => request.path.endsWith('/actions/artifacts'))).toEqual([]);
  });

  it('a baseline path that does not exist fails before the run, naming the input', async () => {
    const fakes = await startHistoryFakes();
    const result = await historyJob(fakes, { event: 'pull_request', inputs: { baseline: 'missing/results.json' } }).job.runMain();
    expect(result.exitCode).toBe(1);
    expect(commandMessages(result, 'error').join('\n')).toMatch(/Input "baseline".*missing\/results\.json/);
    expect(result.outputs['run-id']).toBeUndefined();
  });
});

describe('a nightly trend', () => {
  it('draws four nights from the records, oldest first, downloading only the records it shows', async () => {
    const fakes = await startHistoryFakes();
    const nights = [rows(10, [3, 8]), rows(10, [3]), rows(10, [1, 3, 8]), rows(10, [8])];
    let last: StepResult | null = null;
    for (const data of nights) last = (await pushOnMain(fakes, { event: 'schedule', data })).result;
    const summary = last?.summary ?? '';
    expect(summary).toMatch(/Score of main, last 4 runs/);
    expect(summary).toMatch(/line \[80\.0, 90\.0, 70\.0, 90\.0\]/);
    expect(summary).toMatch(/vs the previous run/);
    // The fourth night: one listing page, three records (the trend's headers, the baseline's items among them).
    const fourth = fakes.github.requests.slice(-4).map((request) => request.path.replace(/.*\/actions\//, ''));
    expect(fourth.filter((path) => path === 'artifacts')).toHaveLength(1);
    expect(fourth.filter((path) => path.endsWith('/zip'))).toHaveLength(3);
  });
});
