// End-to-end tests of the regression features of the bundle (dist/index.js), run the way the GitHub
// runner runs it against the loopback Evals API and GitHub API fakes: baselines (auto, a run id, none),
// pairing of items, the regression limits and their significance, the nightly trend, tracking issues,
// and what happens when the baseline cannot be read.
import { describe, expect, it } from 'vitest';
import type { JsonlRow } from '../fakes/evals-api.ts';
import { FAKE_GITHUB_IDENTITY, FAKE_GITHUB_TOKEN } from '../fakes/github-api.ts';
import {
  closeFakesAfterEachTest,
  comments,
  makeJob,
  MARKER_PREFIX,
  OWNER,
  PR,
  REPO,
  row,
  rows,
  startFakes,
  type Fakes,
  type JobOptions,
} from '../harness/e2e-setup.ts';
import { commandMessages, errorText, warningText, type StepResult } from '../harness/runner.ts';

const WORKFLOW_RUN_URL = `https://github.com/${OWNER}/${REPO}/actions/runs/4242`;

closeFakesAfterEachTest();

/** The jobs of these tests: `data` is theirs to give. */
type GateJob = JobOptions & { data: JsonlRow[] };

/** Runs the step and checks its exit code, showing the log when it is not the one expected. */
async function runGate(fakes: Fakes, options: GateJob, exitCode: 0 | 1 = 0): Promise<StepResult> {
  const result = await makeJob(fakes, options).runMain();
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(exitCode);
  return result;
}

/** A push to main: the run that later runs compare with. Returns its run id. */
async function baselineOnMain(fakes: Fakes, data: JsonlRow[], inputs: Record<string, string> = {}): Promise<string> {
  const result = await runGate(fakes, { event: 'push', data, inputs: { threshold: '0', ...inputs } });
  const runId = result.outputs['run-id'] ?? '';
  expect(runId).not.toBe('');
  return runId;
}

// ---- reading what a step did -----------------------------------------------------------------------

/** Markdown escapes `_` (and other characters) in ids: the text as a reader sees it. */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** The collapsed section whose title starts with `title`, or null. */
function section(report: string, title: string): string | null {
  const start = report.indexOf(`<details><summary>${title}`);
  if (start < 0) return null;
  const end = report.indexOf('</details>', start);
  return report.slice(start, end < 0 ? undefined : end);
}

/**
 * The titles of the collapsed item sections with their counts, the explanation after a colon left out:
 * `Regressions vs main: passed then, fail now (2)` → `Regressions vs main (2)`.
 */
function sectionTitles(report: string): string[] {
  return [...report.matchAll(/<details><summary>(.*?)<\/summary>/g)].map((match) => unescape(match[1] ?? '').replace(/:.*(?= \(\d+\)$)/, ''));
}

/** The items of a section, from their headings `#### ❌ fail · item 3 · outputitem_…`: data source item id and output item id. */
function itemsIn(block: string | null): { item: string; outputItem: string }[] {
  if (block === null) return [];
  return [...unescape(block).matchAll(/^#### \S+ \w+ · item (\S+) · (\S+)$/gm)].map((match) => ({ item: match[1] ?? '', outputItem: match[2] ?? '' }));
}

function itemIdsIn(block: string | null): string[] {
  return itemsIn(block).map((entry) => entry.item);
}

/** The line of the report that starts with `start`. */
function lineStarting(report: string, start: string): string {
  return report.split('\n').find((line) => line.startsWith(start)) ?? '';
}

/** The cells of the table row that starts with `| name |`. */
function tableRow(report: string, name: string): string[] {
  return lineStarting(report, `| ${name} |`)
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

function baselineOutputs(result: StepResult) {
  const { outputs } = result;
  return { baselineRunId: outputs['baseline-run-id'], scoreDelta: outputs['score-delta'], regressions: outputs.regressions, fixes: outputs.fixes };
}

/** The output item lists read of a run, each as its status filter (`all` for none), in order. */
function itemLists(fakes: Fakes, runId: string): string[] {
  return fakes.evals.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/runs/${runId}/output_items`)).map((r) => r.query.status ?? 'all');
}

function runListRequests(fakes: Fakes) {
  return fakes.evals.requests.filter((r) => r.method === 'GET' && r.path === `/v1/evals/${fakes.evalId}/runs`);
}

/** The report's lines that are not empty. */
function lines(report: string): string[] {
  return report.split('\n').filter((line) => line.trim() !== '');
}

/** The verdict line: the report's first line in bold. */
function verdictLine(report: string): string {
  return lines(report).find((line) => line.startsWith('**')) ?? '';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` holds `parts` in this order (whatever separates them: the layout of a line may change, its facts may not). */
function expectInOrder(text: string, parts: readonly string[], place = ''): void {
  expect(text, place).toMatch(new RegExp(parts.map(escapeRegExp).join('.*')));
}

/** The comparison line names the baseline run (its name linked to its report) and says how the runs compare. */
function expectComparedWith(report: string, runId: string, rest: string, place = ''): void {
  const line = comparisonLine(report);
  expect(line, place).toMatch(new RegExp(`^Compared with \\[main · 1a2b3c4\\]\\(https://\\S+run_id=${runId}\\)`));
  expect(line, place).toContain(rest);
}

function comparisonLine(report: string): string {
  return unescape(lineStarting(report, 'Compared with '));
}

/** The bullet list of the verdict's reasons, unescaped. */
function reasons(report: string): string[] {
  return report
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => unescape(line.slice(2)));
}

function expectNoBaselineOutputs(result: StepResult): void {
  expect(baselineOutputs(result)).toEqual({ baselineRunId: undefined, scoreDelta: undefined, regressions: undefined, fixes: undefined });
}

// ---- the tests -------------------------------------------------------------------------------------

describe('a pull request compared with the latest run on main', () => {
  it('same dataset: pairs by id; outputs, verdict line, comparison line, criteria deltas, item sections, one comment', async () => {
    const fakes = await startFakes();
    // main: 8/10 (items 3 and 8 fail). The PR's answers break 1 and 5, fix 3, and 8 still fails: 7/10.
    const mainRunId = await baselineOnMain(fakes, rows(10, [3, 8]));
    const listsBefore = runListRequests(fakes).length;
    const result = await runGate(fakes, { data: rows(10, [1, 5, 8]), inputs: { threshold: '60%' } });
    const prRunId = result.outputs['run-id'] ?? '';

    // The runs carry the context the lookup goes by: main's has no `pr`, the PR's has one.
    expect(fakes.evals.run(mainRunId)?.metadata).toMatchObject({ created_by: 'evals-gate', branch: 'main', event: 'push', gate_key: fakes.evalId });
    expect(fakes.evals.run(mainRunId)?.metadata.pr).toBeUndefined();
    expect(fakes.evals.run(prRunId)?.metadata).toMatchObject({ branch: 'better-answers', pr: String(PR), event: 'pull_request' });
    // Same items, other answers: the same dataset.
    expect(fakes.evals.run(prRunId)?.metadata.dataset).toBe(fakes.evals.run(mainRunId)?.metadata.dataset);

    // The lookup: newest completed runs first, 100 a page.
    const lookups = runListRequests(fakes).slice(listsBefore);
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups[0]?.query).toMatchObject({ order: 'desc', limit: '100', status: 'completed' });
    // Same dataset: the failing items of each run are all the comparison needs, and the log says so.
    expect(itemLists(fakes, prRunId)).toEqual(['fail']);
    expect(itemLists(fakes, mainRunId).slice(-1)).toEqual(['fail']);
    expect(result.stdout).toContain(`Read the failing output items of run ${prRunId} (status=fail): 3 items in 1 page; its result_counts and per-criterion results give the rest.`);
    expect(result.stdout).toContain(`Read the failing output items of baseline run ${mainRunId} (status=fail): 2 items in 1 page;`);

    expect(baselineOutputs(result)).toEqual({ baselineRunId: mainRunId, scoreDelta: '-0.1', regressions: '2', fixes: '1' });
    expect(Number(result.outputs['score-delta'])).toBeCloseTo(-0.1, 10);
    expect(result.outputs.result).toBe('pass');

    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, report] of [['summary', result.summary], ['comment', body]] as const) {
      expectInOrder(verdictLine(report), ['**70.0%** passed (7/10)', '−10.0 pts vs main', 'threshold 60.0%', '2 regressions'], place);
      expectComparedWith(report, mainRunId, '10 items paired by id (same dataset) · 2 regressions, 1 fix (p = 1.000, exact McNemar test)', place);
      expect(comparisonLine(report), place).not.toMatch(/added|removed/);

      expect(lineStarting(report, '| criterion |'), place).toBe('| criterion | passed | failed | pass rate | baseline | Δ vs main |');
      expect(tableRow(report, 'Exact answer'), place).toEqual(['Exact answer', '7', '3', '70.0%', '80.0%', '−10.0 pts']);
      expect(tableRow(report, 'Mentions the key term'), place).toEqual(['Mentions the key term', '7', '3', '70.0%', '80.0%', '−10.0 pts']);

      expect(sectionTitles(report), place).toEqual(['Regressions vs main (2)', 'Fixes vs main (1)', 'Other failing items (1)']);
      expect(report, place).toMatch(/<summary>Regressions vs main: passed then, fail now \(2\)<\/summary>/);
      expect(report, place).toMatch(/<summary>Fixes vs main: failed then, pass now\b.* \(1\)<\/summary>/);
      // Regressions and other failures as they are now; the fix as it was in main's run.
      expect(itemsIn(section(report, 'Regressions vs main')), place).toEqual([
        { item: '1', outputItem: fakes.evals.outputItemId(prRunId, 1) },
        { item: '5', outputItem: fakes.evals.outputItemId(prRunId, 5) },
      ]);
      expect(itemsIn(section(report, 'Fixes vs main')), place).toEqual([{ item: '3', outputItem: fakes.evals.outputItemId(mainRunId, 3) }]);
      expect(section(report, 'Fixes vs main'), place).toContain('I do not know (3).');
      expect(itemsIn(section(report, 'Other failing items')), place).toEqual([{ item: '8', outputItem: fakes.evals.outputItemId(prRunId, 8) }]);
      // A pull request's report has no trend.
      expect(report, place).not.toContain('```mermaid');
    }

    // One comment: "evaluating…" first, then the result, written in place.
    const written = comments(fakes);
    expect(written).toHaveLength(1);
    expect(body.split('\n')[0]).toBe(`${MARKER_PREFIX}${fakes.evalId} -->`);
    const writes = fakes.github.requests.filter((r) => (r.method === 'PATCH' || r.method === 'POST') && /\/comments/.test(r.path));
    expect(writes.map((r) => r.method)).toEqual(['POST', 'PATCH']);
    const bodies = writes.map((r) => String((r.body as { body?: unknown } | undefined)?.body ?? ''));
    expect(bodies[0]).toMatch(/### ⏳ .*: evaluating…/);
    expect(bodies[1]).toBe(body);
    expect(result.outputs['comment-url']).toBe(written[0]?.html_url);
  });

  it('dataset changed (2 rows added, 1 removed, order reversed): pairs by content, counts added and removed', async () => {
    const fakes = await startFakes();
    const mainRunId = await baselineOnMain(fakes, rows(10, [3, 8]));
    // Row 0 is gone; 10 (passing) and 11 (failing) are new; 1 and 5 break, 3 is fixed, 8 still fails.
    const wrong = (i: number) => row(i, `I do not know (${i}).`);
    const data = [wrong(11), row(10), row(9), wrong(8), row(7), row(6), wrong(5), row(4), row(3), row(2), wrong(1)];
    // The data source item id is the row's position: question i is at position `at(i)` now.
    const at = (question: number) => String(data.findIndex((r) => r.item.question === `Question number ${question}?`));
    const result = await runGate(fakes, { data, inputs: { threshold: '60%' } });
    const prRunId = result.outputs['run-id'] ?? '';

    expect(fakes.evals.run(prRunId)?.metadata.dataset).not.toBe(fakes.evals.run(mainRunId)?.metadata.dataset);
    // Pairing by content needs every item of both runs: the run's failing read, started while the
    // baseline was looked up, was stopped (a page at most).
    expect(itemLists(fakes, prRunId).filter((list) => list === 'all')).toEqual(['all']);
    expect(itemLists(fakes, prRunId).filter((list) => list === 'fail').length).toBeLessThanOrEqual(1);
    expect(itemLists(fakes, mainRunId).slice(-1)).toEqual(['all']);
    expect(result.stdout).toContain(`Read every output item of baseline run ${mainRunId}: 10 items in 1 page, because the baseline evaluated other rows, so items pair by content, which needs every item of both runs.`);
    expect(baselineOutputs(result)).toEqual({ baselineRunId: mainRunId, scoreDelta: String(Number((7 / 11 - 0.8).toFixed(10))), regressions: '2', fixes: '1' });

    const body = comments(fakes)[0]?.body ?? '';
    for (const [place, report] of [['summary', result.summary], ['comment', body]] as const) {
      expectInOrder(verdictLine(report), ['**63.6%** passed (7/11)', '−16.4 pts vs main', 'threshold 60.0%', '2 regressions'], place);
      expectComparedWith(
        report,
        mainRunId,
        '9 items paired by content (the dataset changed) · 2 added, 1 removed · 2 regressions, 1 fix (p = 1.000, exact McNemar test)',
        place,
      );
      // In the current run's order: question 5 comes before question 1 now.
      const regressions = section(report, 'Regressions vs main');
      expect(itemIdsIn(regressions), place).toEqual([at(5), at(1)]);
      expect(regressions, place).toContain('Question number 5?');
      expect(regressions, place).toContain('Question number 1?');
      // The fix as it was: main's item 3.
      expect(itemsIn(section(report, 'Fixes vs main')), place).toEqual([{ item: '3', outputItem: fakes.evals.outputItemId(mainRunId, 3) }]);
      // The new failing row is no regression: it had no baseline.
      expect(itemIdsIn(section(report, 'Other failing items')), place).toEqual([at(11), at(8)]);
    }
  });
});

describe('reading the run and its baseline', () => {
  it('reads both at the same time: the baseline is read while the run\'s first page is still on its way', async () => {
    const fakes = await startFakes();
    const failing = Array.from({ length: 150 }, (_, i) => i);
    const mainRunId = await baselineOnMain(fakes, rows(250, failing.slice(0, 120)));
    const before = fakes.evals.requests.length;
    // The first item page of any other run than main's takes a second to come.
    fakes.evals.inject({ match: { method: 'GET', path: new RegExp(`/runs/(?!${mainRunId})[^/]+/output_items$`) }, times: 1, kind: { delayMs: 1000 } });
    const result = await runGate(fakes, { data: rows(250, failing), inputs: { threshold: '0' } });
    const prRunId = result.outputs['run-id'] ?? '';

    const pages = fakes.evals.requests.slice(before).filter((r) => r.path.endsWith('/output_items'));
    const order = pages.map((r) => `${r.path.includes(mainRunId) ? 'main' : 'pr'}:${r.query.status ?? 'all'}`);
    // 150 and 120 failing items: two pages each, all of them status=fail; main's both before the PR's second.
    expect(order).toEqual(['pr:fail', 'main:fail', 'main:fail', 'pr:fail']);
    expect(baselineOutputs(result)).toMatchObject({ baselineRunId: mainRunId, regressions: '30', fixes: '0' });
    expect(prRunId).not.toBe('');
  });
});

describe('no baseline to compare with', () => {
  const noBaselineNote = (fakes: Fakes) =>
    `No baseline: no completed run of this gate (comment key "${fakes.evalId}", jsonl data) on main among the eval's most recent runs (up to 1,000 are searched). The gate judged the run alone.`;

  function expectJudgedAlone(result: StepResult, fakes: Fakes): void {
    expectNoBaselineOutputs(result);
    for (const [place, report] of [['summary', result.summary], ['comment', comments(fakes)[0]?.body ?? '']] as const) {
      expect(unescape(report), place).toContain(noBaselineNote(fakes));
      expect(report, place).not.toContain('Compared with');
      expect(report, place).not.toContain('| baseline |');
      expect(sectionTitles(report), place).toEqual(['Failing items (2)']);
      expect(verdictLine(report), place).toBe(`**80.0%** passed (8/10) · threshold ${result.outputs.result === 'pass' ? '75.0%' : '90.0%'}`);
    }
  }

  it('no run on main yet: the threshold alone decides (here: fails, and only for the threshold)', async () => {
    const fakes = await startFakes();
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { threshold: '90%', 'max-regressions': '0', 'max-score-drop': '0' } }, 1);

    expect(result.outputs.result).toBe('fail');
    expect(errorText(result)).toBe('Gate failed: Score 80.0% is below the threshold 90.0%.');
    expectJudgedAlone(result, fakes);
  });

  it("main's only run belongs to another comment-key: passes on the threshold", async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(10), { 'comment-key': 'another-gate' });
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { 'max-regressions': '0' } });

    expect(result.outputs.result).toBe('pass');
    expect(runListRequests(fakes).length).toBeGreaterThan(0);
    expectJudgedAlone(result, fakes);
  });

  it('the only run "on main" is a pull request whose head branch is named main (a fork): not a baseline', async () => {
    const fakes = await startFakes();
    const fork = await runGate(fakes, { data: rows(10), env: { GITHUB_HEAD_REF: 'main' } });
    expect(fakes.evals.run(fork.outputs['run-id'] ?? '')?.metadata).toMatchObject({ branch: 'main', pr: String(PR) });

    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { 'max-regressions': '0' } });
    expect(result.outputs.result).toBe('pass');
    expectJudgedAlone(result, fakes);
  });
});

describe('regression limits', () => {
  it('max-regressions 0: 8 regressions and no fix (p < 0.01) fail the gate, also with min-significance 0.01', async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(40, [0]));
    // 8 more fail: 31/40 = 77.5%, above the 75% threshold.
    const data = rows(40, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const reason = '8 items regressed vs main, more than max-regressions 0 allows (8 regressed and 0 fixed, p = 0.007).';

    const limits: Record<string, string>[] = [{ 'max-regressions': '0' }, { 'max-regressions': '0', 'min-significance': '0.01' }];
    for (const inputs of limits) {
      const result = await runGate(fakes, { data, inputs }, 1);
      expect(result.outputs.result).toBe('fail');
      expect(result.outputs.regressions).toBe('8');
      expect(result.outputs.fixes).toBe('0');
      expect(errorText(result)).toBe(`Gate failed: ${reason}`);
      expect(reasons(result.summary)).toEqual([reason]);
      expect(lines(result.summary)[0]).toMatch(/^### ❌ .*: failed$/);
      expectInOrder(verdictLine(result.summary), ['**77.5%** passed (31/40)', '−20.0 pts vs main', 'threshold 75.0%', '8 regressions']);
      expect(comparisonLine(result.summary)).toContain('8 regressions, 0 fixes (p = 0.007, exact McNemar test)');
      expect(itemIdsIn(section(result.summary, 'Regressions vs main'))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    }
  });

  it('min-significance 0.05: 2 regressions and 1 fix are not significant: passes, with a note among the reasons', async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(40, [0]));
    const result = await runGate(fakes, { data: rows(40, [1, 2]), inputs: { 'max-regressions': '0', 'min-significance': '0.05' } });

    expect(result.outputs.result).toBe('pass');
    expect(baselineOutputs(result)).toMatchObject({ regressions: '2', fixes: '1' });
    const note =
      '2 items regressed vs main, more than max-regressions 0 allows, but the change is not significant at min-significance 0.05 (2 regressed and 1 fixed, p = 1.000): not failing the gate.';
    expect(reasons(result.summary)).toEqual(['Score 95.0% meets the threshold 75.0%.', note]);
    expect(reasons(comments(fakes)[0]?.body ?? '')).toEqual(['Score 95.0% meets the threshold 75.0%.', note]);
    expect(commandMessages(result, 'error')).toEqual([]);
  });

  it('max-score-drop: 2 (points) fails a 5-point drop from 90%; 10% (of 90%: 9 points) and 5 pass it', async () => {
    const fakes = await startFakes();
    const mainRunId = await baselineOnMain(fakes, rows(20, [0, 1]));
    const data = rows(20, [0, 1, 2]);

    const strict = await runGate(fakes, { data, inputs: { 'max-score-drop': '2' } }, 1);
    const reason = 'The score dropped 5.0 pts vs main (90.0% → 85.0%), more than max-score-drop 2.0 pts allows (1 regressed and 0 fixed, p = 1.000).';
    expect(errorText(strict)).toBe(`Gate failed: ${reason}`);
    expect(reasons(strict.summary)).toEqual([reason]);
    expect(strict.outputs['baseline-run-id']).toBe(mainRunId);
    expect(Number(strict.outputs['score-delta'])).toBeCloseTo(-0.05, 10);

    for (const allowed of ['10%', '5']) {
      const result = await runGate(fakes, { data, inputs: { 'max-score-drop': allowed } });
      expect(result.outputs.result, allowed).toBe('pass');
      expect(reasons(result.summary), allowed).toEqual(['Score 85.0% meets the threshold 75.0%.']);
      expectInOrder(verdictLine(result.summary), ['**85.0%** passed (17/20)', '−5.0 pts vs main', 'threshold 75.0%', '1 regression'], allowed);
    }
  });
});

describe('the baseline input', () => {
  it('none: no comparison and no search, even with a run on main', async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(10));
    const before = fakes.evals.requests.length;
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { baseline: 'none', 'max-regressions': '0' } });
    const prRunId = result.outputs['run-id'] ?? '';

    expect(result.outputs.result).toBe('pass');
    expectNoBaselineOutputs(result);
    expect(result.summary).toContain('*Not compared with a baseline (baseline: none).*');
    expect(result.summary).not.toContain('Compared with');
    expect(sectionTitles(result.summary)).toEqual(['Failing items (2)']);
    // Nothing but this run was read.
    const paths = fakes.evals.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((path) => path === `GET /v1/evals/${fakes.evalId}/runs`)).toEqual([]);
    expect(paths.filter((path) => path.includes('/runs/') && !path.includes(prRunId))).toEqual([]);
  });

  it('a run id: compared with that run, although a newer run on main exists', async () => {
    const fakes = await startFakes();
    const older = await baselineOnMain(fakes, rows(10, [3, 8]));
    const newer = await runGate(fakes, { event: 'push', data: rows(10), env: { GITHUB_SHA: 'b'.repeat(40) } });
    const newerId = newer.outputs['run-id'] ?? '';
    expect(newerId).not.toBe(older);
    // A push is compared with the branch's previous run, and its summary has the trend of both.
    expect(newer.outputs['baseline-run-id']).toBe(older);
    expect(/```mermaid\n[\s\S]*?^\s*line \[(.*)\]$/m.exec(newer.summary)?.[1]).toBe('80.0, 100.0');

    const before = fakes.evals.requests.length;
    const result = await runGate(fakes, { data: rows(10, [8]), inputs: { baseline: older } });
    expect(baselineOutputs(result)).toEqual({ baselineRunId: older, scoreDelta: '0.1', regressions: '0', fixes: '1' });
    expectComparedWith(result.summary, older, '10 items paired by id (same dataset) · 0 regressions, 1 fix');
    expectInOrder(verdictLine(result.summary), ['**90.0%** passed (9/10)', '+10.0 pts vs main', 'threshold 75.0%']);
    expect(verdictLine(result.summary)).not.toContain('regression');
    expect(itemsIn(section(result.summary, 'Fixes vs main'))).toEqual([{ item: '3', outputItem: fakes.evals.outputItemId(older, 3) }]);
    // Read directly, not searched for; the newer run was never looked at.
    const paths = fakes.evals.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`GET /v1/evals/${fakes.evalId}/runs/${older}`);
    expect(paths).toContain(`GET /v1/evals/${fakes.evalId}/runs/${older}/output_items`);
    expect(paths.filter((path) => path === `GET /v1/evals/${fakes.evalId}/runs` || path.includes(newerId))).toEqual([]);
  });

  it('a run id that does not exist: the step fails before starting a run (an explicit choice is not dropped silently)', async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(10));
    const runsBefore = fakes.evals.runs().length;
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { baseline: 'evalrun_doesnotexist', 'max-regressions': '0' } }, 1);

    expect(commandMessages(result, 'error').join('\n')).toMatch(/^Input "baseline": run evalrun_doesnotexist was not found in eval \S+ at http:\/\/127\.0\.0\.1:\d+\/v1\.$/);
    expect(fakes.evals.runs()).toHaveLength(runsBefore);
    expectNoBaselineOutputs(result);
  });
});

describe('nightly runs on main', () => {
  it('the 4th schedule run with history 3: a chart of 3 points, the trend table, compared with the previous run', async () => {
    const fakes = await startFakes();
    const nightly = (data: JsonlRow[], exitCode: 0 | 1) => runGate(fakes, { event: 'schedule', data, inputs: { history: '3' } }, exitCode);
    // 60%, 90%, 70% (two of them below the 75% threshold), then 100%.
    const first = await nightly(rows(10, [0, 1, 2, 3]), 1);
    const second = await nightly(rows(10, [0]), 0);
    const third = await nightly(rows(10, [0, 1, 2]), 1);
    const before = fakes.evals.requests.length;
    const fourth = await nightly(rows(10), 0);

    // The first night had nothing to compare with and no earlier runs: no chart, a table of itself.
    expect(unescape(first.summary)).toContain('No baseline: no completed run of this gate');
    expect(first.summary).not.toContain('```mermaid');
    expect(first.summary).toContain('| run | score | Δ vs previous | verdict |');

    // Compared with the night before, not with the older ones.
    const thirdId = third.outputs['run-id'] ?? '';
    expect(baselineOutputs(fourth)).toEqual({ baselineRunId: thirdId, scoreDelta: '0.3', regressions: '0', fixes: '3' });
    expectComparedWith(fourth.summary, thirdId, '10 items paired by id (same dataset) · 0 regressions, 3 fixes');
    expectInOrder(verdictLine(fourth.summary), ['**100.0%** passed (10/10)', '+30.0 pts vs the previous run', 'threshold 75.0%']);

    const summary = fourth.summary;
    const chart = /```mermaid\n([\s\S]*?)```/.exec(summary)?.[1] ?? '';
    expect(chart).toMatch(/^xychart-beta$/m);
    expect(chart).toContain('title "Score of main, last 3 runs"');
    const axis = /^\s*x-axis \[(.*)\]$/m.exec(chart)?.[1] ?? '';
    expect(axis.split(', ')).toHaveLength(3);
    const series = [...chart.matchAll(/^\s*line \[(.*)\]$/gm)].map((match) => match[1]);
    // The scores of the 2nd, 3rd and 4th nights (the 1st is beyond history), then the threshold's flat line.
    expect(series).toEqual(['90.0, 70.0, 100.0', '75.0, 75.0, 75.0']);

    const table = summary.slice(summary.indexOf('| run | score | Δ vs previous | verdict |')).split('\n\n')[0] ?? '';
    const trendRows = table.split('\n').slice(2).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(trendRows.map((cells) => cells.slice(1))).toEqual([
      ['90.0%', '—', '✅'],
      ['70.0%', '−20.0 pts', '❌'],
      ['100.0%', '+30.0 pts', '✅'],
    ]);
    // Each row links to its run, oldest first.
    const secondId = second.outputs['run-id'] ?? '';
    const linked = trendRows.map((cells) => /run_id=(\w+)\)$/.exec(cells[0] ?? '')?.[1]);
    expect(linked).toEqual([secondId, thirdId, fourth.outputs['run-id']]);

    // The branch's runs came from the Evals API's run list: newest completed runs first.
    const lists = fakes.evals.requests.slice(before).filter((r) => r.method === 'GET' && r.path === `/v1/evals/${fakes.evalId}/runs`);
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) expect(list.query).toMatchObject({ order: 'desc', status: 'completed' });
  });
});

describe('the tracking issue of a scheduled gate (issue-on-failure)', () => {
  const issueInputs = { 'issue-on-failure': 'true', threshold: '90%' };
  // Requests about issues: listing, opening, commenting on or closing one; not the PR's sticky comment.
  const issueRequests = (fakes: Fakes) =>
    fakes.github.requests.filter((r) => {
      const match = new RegExp(`^/repos/${OWNER}/${REPO}/issues(?:/(\\d+|comments)(?:/|$)|$)`).exec(r.path);
      return match !== null && match[1] !== String(PR) && match[1] !== 'comments';
    });

  it('a failing night opens one issue, the next failing one comments on it, a passing one comments and closes it', async () => {
    const fakes = await startFakes();
    const issueComments = (issue: number) => fakes.github.comments(OWNER, REPO, issue);

    const failing = await runGate(fakes, { event: 'schedule', data: rows(10, [3, 8]), inputs: issueInputs }, 1);
    expect(errorText(failing)).toBe('Gate failed: Score 80.0% is below the threshold 90.0%.');
    const [issue, ...others] = fakes.github.issues(OWNER, REPO);
    expect(others).toEqual([]);
    expect(issue?.state).toBe('open');
    expect(issue?.user.login).toBe(FAKE_GITHUB_IDENTITY.login);
    expect(issue?.title).toBe('evals-gate: Support answers is failing on main');
    const body = issue?.body ?? '';
    expect(body.split('\n')[0]).toBe(`<!-- evals-gate:issue key=${fakes.evalId} -->`);
    expect(body).toMatch(/^### ❌ evals-gate · Support answers: failed$/m);
    expect(verdictLine(body)).toBe('**80.0%** passed (8/10) · threshold 90.0%');
    expect(body).toContain('- Score 80.0% is below the threshold 90.0%.');
    expect(itemIdsIn(section(body, 'Failing items'))).toEqual(['3', '8']);
    expect(body).toContain(`Reported by [this workflow run](${WORKFLOW_RUN_URL}).`);
    expect(issueComments(issue?.number ?? 0)).toEqual([]);

    // Still failing: a comment on the same issue, with this night's report.
    await runGate(fakes, { event: 'schedule', data: rows(10, [3, 8, 9]), inputs: issueInputs }, 1);
    expect(fakes.github.issues(OWNER, REPO)).toHaveLength(1);
    const [update] = issueComments(issue?.number ?? 0);
    expect(update?.body).toMatch(/^### ❌ evals-gate · Support answers: failed$/m);
    expectInOrder(verdictLine(update?.body ?? ''), ['**70.0%** passed (7/10)', '−10.0 pts vs the previous run', 'threshold 90.0%', '1 regression']);
    expect(update?.body).toContain(`Reported by [this workflow run](${WORKFLOW_RUN_URL}).`);

    // Passing again: a last comment, and the issue is closed.
    const passing = await runGate(fakes, { event: 'schedule', data: rows(10), inputs: issueInputs }, 0);
    expect(passing.outputs.result).toBe('pass');
    const [closed, ...more] = fakes.github.issues(OWNER, REPO);
    expect(more).toEqual([]);
    expect(closed).toMatchObject({ number: issue?.number, state: 'closed', state_reason: 'completed' });
    const after = issueComments(issue?.number ?? 0);
    expect(after).toHaveLength(2);
    expect(after[1]?.body).toBe(`✅ The gate passes again on main in [this workflow run](${WORKFLOW_RUN_URL}): Score 100.0% meets the threshold 90.0%.\n`);

    // Passing with no open issue: nothing is written.
    const writesBefore = issueRequests(fakes).filter((r) => r.method !== 'GET').length;
    await runGate(fakes, { event: 'schedule', data: rows(10), inputs: issueInputs }, 0);
    expect(issueRequests(fakes).filter((r) => r.method !== 'GET')).toHaveLength(writesBefore);
    expect(fakes.github.issues(OWNER, REPO)).toHaveLength(1);
    expect(issueComments(issue?.number ?? 0)).toHaveLength(2);
  });

  it('without issues: write: a warning naming `issues: write`; the exit code follows the verdict', async () => {
    const fakes = await startFakes({ github: { tokens: { [FAKE_GITHUB_TOKEN]: { ...FAKE_GITHUB_IDENTITY, canWriteIssues: false } } } });

    const failing = await runGate(fakes, { event: 'schedule', data: rows(10, [3, 8]), inputs: issueInputs }, 1);
    expect(errorText(failing)).toBe('Gate failed: Score 80.0% is below the threshold 90.0%.');
    expect(warningText(failing)).toContain('issues: write');
    expect(fakes.github.issues(OWNER, REPO)).toEqual([]);
    expect(issueRequests(fakes).some((r) => r.method === 'POST' && r.status === 403)).toBe(true);

    // A tracking issue left open from before: the passing run cannot close it, warns, and passes.
    const marker = `<!-- evals-gate:issue key=${fakes.evalId} -->`;
    const open = fakes.github.seedIssue({ owner: OWNER, repo: REPO, title: 'evals-gate: Support answers is failing on main', body: `${marker}\nold report`, login: FAKE_GITHUB_IDENTITY.login });
    const passing = await runGate(fakes, { event: 'schedule', data: rows(10), inputs: issueInputs }, 0);
    expect(passing.outputs.result).toBe('pass');
    expect(commandMessages(passing, 'error')).toEqual([]);
    expect(warningText(passing)).toContain('issues: write');
    expect(fakes.github.issues(OWNER, REPO).find((candidate) => candidate.number === open.number)?.state).toBe('open');
  });

  it('a scheduled gate that cannot run at all (a refused key) opens the issue too, with the error and no secret', async () => {
    const fakes = await startFakes();
    const wrongKey = 'sk-expired-0123456789abcdef0123';
    const result = await runGate(fakes, { event: 'schedule', data: rows(10), inputs: { ...issueInputs, 'api-key': wrongKey } }, 1);

    expect(commandMessages(result, 'error').join('\n')).toMatch(/refused the credentials/);
    const [issue] = fakes.github.issues(OWNER, REPO);
    expect(issue?.title).toBe(`evals-gate: ${fakes.evalId} is failing on main`);
    const body = issue?.body ?? '';
    expect(body.split('\n')[0]).toBe(`<!-- evals-gate:issue key=${fakes.evalId} -->`);
    expect(body).toContain(': could not run');
    expect(body).toMatch(/refused the credentials \(HTTP 401/);
    expect(body).toContain(`Reported by [this workflow run](${WORKFLOW_RUN_URL}).`);
    expect(body).not.toContain(wrongKey);
  });

  it('on a pull_request event it leaves issues alone, failing or passing', async () => {
    const fakes = await startFakes();
    const marker = `<!-- evals-gate:issue key=${fakes.evalId} -->`;
    const open = fakes.github.seedIssue({ owner: OWNER, repo: REPO, title: 'evals-gate: Support answers is failing on main', body: `${marker}\nold report`, login: FAKE_GITHUB_IDENTITY.login });

    const failing = await runGate(fakes, { data: rows(10, [3, 8]), inputs: issueInputs }, 1);
    expect(failing.stdout).toContain('issue-on-failure acts on schedule runs only; this is a pull_request run.');
    const passing = await runGate(fakes, { data: rows(10), inputs: issueInputs }, 0);
    expect(passing.outputs.result).toBe('pass');

    expect(issueRequests(fakes)).toEqual([]);
    expect(fakes.github.issues(OWNER, REPO)).toEqual([open]);
    expect(fakes.github.comments(OWNER, REPO, open.number)).toEqual([]);
    // The PR comment is still written.
    expect(comments(fakes)).toHaveLength(1);
  });
});

describe('a baseline that cannot be read', () => {
  it('the runs list answers 500 past every retry: a warning, the run judged alone, the summary says so', async () => {
    const fakes = await startFakes();
    await baselineOnMain(fakes, rows(10));
    fakes.evals.inject({ match: { method: 'GET', path: new RegExp(`/evals/${fakes.evalId}/runs$`) }, times: 50, kind: { status: 500, retryAfterMs: 1 } });
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { 'max-regressions': '0' } });

    expect(result.outputs.result).toBe('pass');
    expect([result.outputs.total, result.outputs.passed]).toEqual(['10', '8']);
    expectNoBaselineOutputs(result);
    expect(runListRequests(fakes).length).toBeGreaterThan(1 + 1); // the push run's own lookup, then the retried one
    expect(warningText(result)).toMatch(/^Could not read the baseline, so the gate judged the run alone: .*server error.*HTTP 500 while listing the runs of eval .*$/s);
    for (const [place, report] of [['summary', result.summary], ['comment', comments(fakes)[0]?.body ?? '']] as const) {
      expect(unescape(report), place).toMatch(/^\*Could not read the baseline, so the gate judged the run alone: .*HTTP 500 while listing the runs.*\*$/m);
      expect(report, place).not.toContain('Compared with');
      expect(verdictLine(report), place).toBe('**80.0%** passed (8/10) · threshold 75.0%');
    }
  });

  it("the baseline's output items answer 500 past every retry: a warning, the run judged alone (here failing on the threshold)", async () => {
    const fakes = await startFakes();
    const mainRunId = await baselineOnMain(fakes, rows(10));
    fakes.evals.inject({ match: { method: 'GET', path: new RegExp(`/runs/${mainRunId}/output_items$`) }, times: 100, kind: { status: 500, retryAfterMs: 1 } });
    const result = await runGate(fakes, { data: rows(10, [3, 8]), inputs: { threshold: '90%', 'max-regressions': '0' } }, 1);

    expect(result.outputs.result).toBe('fail');
    expectNoBaselineOutputs(result);
    expect(errorText(result)).toBe('Gate failed: Score 80.0% is below the threshold 90.0%.');
    expect(warningText(result)).toMatch(new RegExp(`^Could not read the baseline, so the gate judged the run alone: .*\\(HTTP 500 while reading the failing output items of run ${mainRunId}\\).*$`, 'm'));
    expect(unescape(result.summary)).toMatch(/^\*Could not read the baseline, so the gate judged the run alone: .*HTTP 500.*\*$/m);
    expect(sectionTitles(result.summary)).toEqual(['Failing items (2)']);
  });
});

describe('the search for the baseline', () => {
  /** Completed runs of other pull requests, made straight through the API: newer than main's run. */
  async function otherPullRequestRuns(fakes: Fakes, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const answer = await fetch(`${fakes.evals.url}/evals/${fakes.evalId}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fakes.evals.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          data_source: { type: 'jsonl', source: { type: 'file_content', content: rows(1) } },
          metadata: { created_by: 'evals-gate', repository: `${OWNER}/${REPO}`, branch: 'main', pr: String(100 + i), gate_key: fakes.evalId },
        }),
      });
      expect(answer.status).toBe(201);
    }
  }

  it('pages through the run list, newest first, to a baseline 150 runs back; gives up after 1,000 runs', async () => {
    // Runs complete at once: the filler runs are listed as completed without being polled.
    const fakes = await startFakes({ evals: { progress: { queuedMs: 0, inProgressMs: 0 } } });
    const mainRunId = await baselineOnMain(fakes, rows(10, [3]));
    await otherPullRequestRuns(fakes, 150);

    const before = runListRequests(fakes).length;
    const found = await runGate(fakes, { data: rows(10) });
    expect(baselineOutputs(found)).toMatchObject({ baselineRunId: mainRunId, fixes: '1' });
    const pages = runListRequests(fakes).slice(before);
    expect(pages).toHaveLength(2);
    // The second page starts after the 100th newest run (this run is the newest).
    expect(pages[0]?.query.after).toBeUndefined();
    expect(pages[1]?.query.after).toBe(fakes.evals.runs().reverse()[99]?.id);

    await otherPullRequestRuns(fakes, 1000 - 150);
    const beforeLost = runListRequests(fakes).length;
    const lost = await runGate(fakes, { data: rows(10) });
    // 1,000 runs are 10 pages of 100; the search stops there (at worst on the first run of an 11th page).
    const searched = runListRequests(fakes).length - beforeLost;
    expect(searched).toBeGreaterThanOrEqual(10);
    expect(searched).toBeLessThanOrEqual(11);
    expectNoBaselineOutputs(lost);
    expect(unescape(lost.summary)).toContain("among the eval's most recent runs (up to 1,000 are searched)");
  });
});
