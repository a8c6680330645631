// End-to-end tests of the remote engine falling back to the records of earlier runs: the bundle
// (dist/index.js) runs an eval-file on the Evals API fake, keeps a record of the failing items alone as a
// workflow artifact (through the real @actions/artifact, to the results service fake), and a later pull
// request, against an Evals API whose runs are gone (a fresh fake), finds that record through the
// GitHub fake's artifact endpoints and pairs with it by id, or says why it cannot.
import { describe, expect, it } from 'vitest';
import { autoArtifactName } from '../../src/history/artifact-name.ts';
import type { FakeEvalsApi, JsonlRow } from '../fakes/evals-api.ts';
import { closeFakesAfterEachTest, comments, rows, startEvals } from '../harness/e2e-setup.ts';
import { EVAL_FILE, freshSha, historyJob, type HistoryFakes, type HistoryJobOptions, startHistoryFakes } from '../harness/history-setup.ts';
import { commandMessages, errorText, type StepResult } from '../harness/runner.ts';

closeFakesAfterEachTest();

const NAME = autoArtifactName(EVAL_FILE);
/** main: rows 3 and 8 fail (80%). */
const MAIN_ROWS = rows(10, [3, 8]);
/** The same rows answered otherwise: 1 and 5 break, 3 is fixed, 8 still fails (70%). */
const PR_ROWS = rows(10, [1, 5, 8]);

/** A job of the gate on the remote engine: the eval-file is made an eval on `evals`, whose runs it reads. */
function remoteJob(fakes: HistoryFakes, evals: FakeEvalsApi, options: HistoryJobOptions) {
  return historyJob(fakes, { ...options, inputs: { engine: 'remote', 'base-url': evals.url, 'api-key': evals.apiKey, ...options.inputs } });
}

async function runStep(job: ReturnType<typeof historyJob>['job'], exitCode: 0 | 1 = 0): Promise<StepResult> {
  const result = await job.runMain();
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(exitCode);
  return result;
}

function storedRecord(fakes: HistoryFakes, id: string | undefined) {
  const artifact = fakes.results.store.byId(Number(id));
  if (!artifact?.content) throw new Error(`no artifact ${id}`);
  const [header = '', ...items] = artifact.content.toString('utf8').trimEnd().split('\n');
  return { artifact, header: JSON.parse(header) as Record<string, unknown>, items: items.map((line) => JSON.parse(line) as unknown[]) };
}

/** The output item lists read of a run on `evals`, each as its status filter (`all` for none), in order. */
function itemLists(evals: FakeEvalsApi, runId: string): string[] {
  return evals.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/runs/${runId}/output_items`)).map((r) => r.query.status ?? 'all');
}

/** The GitHub artifact requests since `from`, as the path after `/actions/`. */
function artifactRequests(fakes: HistoryFakes, from: number): string[] {
  return fakes.github.requests
    .slice(from)
    .filter((r) => r.path.includes('/actions/artifacts'))
    .map((r) => r.path.replace(/.*\/actions\//, ''));
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function lineStarting(report: string, start: string): string {
  return unescape(report)
    .split('\n')
    .find((line) => line.startsWith(start)) ?? '';
}

/** The item ids of a collapsed section, from its headings `#### ❌ fail · item 3 · …`. */
function itemIdsIn(report: string, title: string): string[] {
  const text = unescape(report);
  const start = text.indexOf(`<details><summary>${title}`);
  if (start < 0) return [];
  const block = text.slice(start, text.indexOf('</details>', start));
  return [...block.matchAll(/^#### \S+ \w+ · item (\S+) · \S+$/gm)].map((match) => match[1] ?? '');
}

/** A push on main on the remote engine against `evals`, at `sha`: it keeps the record later runs fall back to. */
async function pushOnMain(fakes: HistoryFakes, evals: FakeEvalsApi, sha: string, data: readonly JsonlRow[] = MAIN_ROWS) {
  const { job, run } = remoteJob(fakes, evals, { event: 'push', sha, data, inputs: { threshold: '60%' } });
  const result = await runStep(job);
  expect(commandMessages(result, 'error')).toEqual([]);
  return { result, run };
}

describe('the remote engine keeps a record of the failing items', () => {
  it('a push on main: engine remote, items.kept failing, the counts of all 10 items, only the failing lines, the data source fingerprint', async () => {
    const fakes = await startHistoryFakes();
    const evals = await startEvals();
    const sha = freshSha();
    const { result, run } = await pushOnMain(fakes, evals, sha);
    const runId = result.outputs['run-id'] ?? '';
    const apiRun = evals.run(runId);
    expect(apiRun?.metadata.dataset).toMatch(/\S/);
    // The gate read only the failing list of its run: the run object gave the rest.
    expect(itemLists(evals, runId)).toEqual(['fail']);

    const stored = storedRecord(fakes, result.outputs['results-artifact-id']);
    expect(stored.artifact.name).toBe(NAME);
    expect(stored.header).toMatchObject({
      schema: 'evals-gate/results-record',
      version: 1,
      engine: 'remote',
      event: 'push',
      branch: 'main',
      sha,
      pr: null,
      workflow_run: { id: String(run.id) },
      gate_key: EVAL_FILE,
      eval: { id: apiRun?.evalId },
      run: { id: runId },
      counts: { total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 },
      score: 0.8,
      verdict: 'pass',
      dataset: { kind: 'jsonl', fingerprint: apiRun?.metadata.dataset },
      items: { count: 2, kept: 'failing', criteria: ['Exact answer', 'Mentions the key term'] },
    });
    expect(stored.header.criteria).toEqual([
      { name: 'Exact answer', passed: 8, failed: 2, rate: 0.8 },
      { name: 'Mentions the key term', passed: 8, failed: 2, rate: 0.8 },
    ]);
    // Rows 3 and 8 alone, failed on both criteria.
    expect(stored.items.map(([id, , outcome, states]) => [id, outcome, states])).toEqual([
      ['3', 'f', 'ff'],
      ['8', 'f', 'ff'],
    ]);
  });
});

describe('a pull request against an Evals API that holds no run of main', () => {
  it('on the same rows: finds the record through the artifact endpoints and pairs by id from the two failing lists', async () => {
    const fakes = await startHistoryFakes();
    const before = await startEvals();
    const mainSha = freshSha();
    const { result: push, run: pushRun } = await pushOnMain(fakes, before, mainSha);
    const mainRunId = push.outputs['run-id'];
    const recordId = push.outputs['results-artifact-id'];
    const stored = storedRecord(fakes, recordId);

    // The API's runs are gone: a fresh endpoint, on which the eval-file is made an eval again.
    const evals = await startEvals();
    const requestsBefore = before.requests.length;
    const githubBefore = fakes.github.requests.length;
    const { job } = remoteJob(fakes, evals, { event: 'pull_request', baseSha: mainSha, data: PR_ROWS, inputs: { threshold: '60%' } });
    const pr = await runStep(job);
    const prRunId = pr.outputs['run-id'] ?? '';
    expect(commandMessages(pr, 'error')).toEqual([]);
    expect(commandMessages(pr, 'warning')).toEqual([]);
    expect(before.requests).toHaveLength(requestsBefore);

    // The API was asked first and had nothing; the same rows carry the record's fingerprint.
    const runLists = evals.requests.filter((r) => r.method === 'GET' && /\/evals\/[^/]+\/runs$/.test(r.path));
    expect(runLists.length).toBeGreaterThan(0);
    expect(evals.runs().map((r) => r.id)).toEqual([prRunId]);
    expect(stored.header.dataset).toEqual({ kind: 'jsonl', fingerprint: evals.run(prRunId)?.metadata.dataset });
    // The record: one listing page and one download.
    expect(artifactRequests(fakes, githubBefore)).toEqual(['artifacts', `artifacts/${recordId}/zip`]);
    expect(pr.stdout).toContain(`Comparing with the record of workflow run ${pushRun.id} (${mainSha.slice(0, 7)}, the pull request's base commit; artifact ${recordId}).`);
    // Paired by id from the failing lists: the PR run's own items were read through status=fail only.
    expect(itemLists(evals, prRunId)).toEqual(['fail']);

    expect(pr.outputs).toMatchObject({ regressions: '2', fixes: '1', 'score-delta': '-0.1', result: 'pass', total: '10', passed: '7' });
    // The baseline is the run the record was made of, which the fresh API no longer holds.
    expect(pr.outputs['baseline-run-id']).toBe(mainRunId);
    expect(evals.run(mainRunId ?? '')).toBeUndefined();

    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, report] of [['summary', pr.summary], ['comment', body]] as const) {
      const line = lineStarting(report, 'Compared with ');
      expect(line, place).toMatch(
        new RegExp(`^Compared with \\[main · ${mainSha.slice(0, 7)}, the pull request's base commit, less than an hour old\\]\\(https://github\\.com/octo-org/octo-repo/actions/runs/${pushRun.id}\\)`),
      );
      expect(line, place).toContain('10 items paired by id (same dataset) · 2 regressions, 1 fix');
      expect(itemIdsIn(report, 'Regressions vs main'), place).toEqual(['1', '5']);
      expect(itemIdsIn(report, 'Fixes vs main'), place).toEqual(['3']);
      expect(report, place).not.toContain('No comparison');
    }
  });

  it('on other rows (12): no comparison, the note that only the failing items of the baseline are known, a verdict on the threshold alone', async () => {
    const fakes = await startHistoryFakes();
    const before = await startEvals();
    const mainSha = freshSha();
    const { result: push } = await pushOnMain(fakes, before, mainSha);
    const recordId = push.outputs['results-artifact-id'];
    const stored = storedRecord(fakes, recordId);

    const evals = await startEvals();
    const githubBefore = fakes.github.requests.length;
    // 10 of 12 pass (83.3%): below 90%. With no pairing, max-regressions has nothing to count.
    const { job } = remoteJob(fakes, evals, { event: 'pull_request', baseSha: mainSha, data: rows(12, [1, 5]), inputs: { threshold: '90%', 'max-regressions': '0' } });
    const pr = await runStep(job, 1);
    const prRunId = pr.outputs['run-id'] ?? '';

    // The record was found and read, then could not be paired with: its rows are not these.
    expect(artifactRequests(fakes, githubBefore)).toEqual(['artifacts', `artifacts/${recordId}/zip`]);
    expect(evals.run(prRunId)?.metadata.dataset).toMatch(/\S/);
    expect((stored.header.dataset as { fingerprint?: unknown }).fingerprint).not.toBe(evals.run(prRunId)?.metadata.dataset);
    expect(pr.outputs).toMatchObject({ result: 'fail', total: '12', passed: '10' });
    for (const output of ['regressions', 'fixes', 'score-delta', 'baseline-run-id']) expect(pr.outputs[output], output).toBeUndefined();
    expect(errorText(pr)).toBe('Gate failed: Score 83.3% is below the threshold 90.0%.');
    // A record cannot be read further: no list of every item was asked for either.
    expect(itemLists(evals, prRunId)).toEqual(['fail']);

    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, report] of [['summary', pr.summary], ['comment', body]] as const) {
      const text = unescape(report);
      expect(text, place).toContain(
        "No comparison vs main: only the baseline's failing items are known (a record keeps no others), and this run evaluated other rows, so items cannot be paired by content. The gate judged the run alone.",
      );
      expect(text, place).not.toContain('Compared with');
      // The verdict, its one reason and the item sections know of no baseline.
      expect(lineStarting(report, '**'), place).toBe('**83.3%** passed (10/12) · threshold 90.0%');
      expect(text.split('\n').filter((line) => line.startsWith('- ')), place).toEqual(['- Score 83.3% is below the threshold 90.0%.']);
      expect(itemIdsIn(report, 'Failing items'), place).toEqual(['1', '5']);
      expect(text, place).not.toContain('vs main (');
    }
  });
});
