import { describe, expect, it } from 'vitest';
import { analyseRun, type AnalysisInput, type BaselineInput } from '../../../src/analysis/analyse-run.ts';
import type { ScorePoint } from '../../../src/analysis/gate-result.ts';
import type { RegressionLimits } from '../../../src/analysis/regression-verdict.ts';
import type { CriterionCounts, ItemOutcome, ItemRecord, RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { grade, snapshot as baseSnapshot, tallyOf } from '../../support/analysis-fixtures.ts';

const EXACT_ID = 'Exact match-0d3f9a2e-1b2c-4d5e-8f90-123456789abc';
const NO_LIMITS: RegressionLimits = { maxRegressions: null, maxScoreDrop: null, minSignificance: null };
const REPORT_URL = 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_pr';
const WORKFLOW_URL = 'https://github.com/acme/widgets/actions/runs/1';

/**
 * One output item of a run (`run` keeps output item ids of the two runs apart), graded by "Exact match"
 * as its outcome says; the data source item id and the content hash are given.
 */
function item(run: string, id: string | null, contentHash: string, outcome: ItemOutcome): ItemRecord {
  const passed = outcome === 'pass' ? true : outcome === 'fail' ? false : null;
  return {
    id: `outputitem_${run}_${id ?? 'none'}_${contentHash}`,
    datasourceItemId: id,
    contentHash,
    outcome,
    input: `question ${contentHash}`,
    expected: 'answer',
    output: outcome === 'error' ? null : outcome === 'pass' ? 'answer' : 'wrong',
    error: outcome === 'error' ? 'boom' : null,
    grades: outcome === 'skipped' ? [] : [grade('Exact match', passed)],
  };
}

/** This file's current run: `evalrun_pr`, a pull request's. */
function snapshot(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return baseSnapshot({ id: 'evalrun_pr', name: 'PR 12 · 9f8e7d6', reportUrl: REPORT_URL, ...overrides });
}

function baselineOf(records: ItemRecord[], overrides: Omit<Partial<BaselineInput>, 'run'> & { run?: Partial<RunSnapshot> } = {}): BaselineInput {
  const tally = tallyOf(records);
  const { run, ...rest } = overrides;
  return {
    run: snapshot({
      id: 'evalrun_main',
      name: 'main · 1a2b3c4',
      reportUrl: 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_main',
      createdAt: 1_759_900_000,
      resultCounts: { ...tally.counts },
      ...run,
    }),
    branch: 'main',
    // Empty: the analysis names the baseline by its branch, else its run.
    label: '',
    tally,
    sameDataset: true,
    ...rest,
  };
}

function analyse(current: ItemRecord[] | null, overrides: Partial<AnalysisInput> = {}) {
  const tally = current ? tallyOf(current) : null;
  return analyseRun({
    evalId: 'eval_1',
    run: snapshot(tally ? { resultCounts: { ...tally.counts } } : {}),
    status: 'completed',
    tally,
    threshold: 0,
    criteriaThresholds: [],
    timeoutMs: 60 * 60_000,
    durationMs: 1000,
    workflowRunUrl: WORKFLOW_URL,
    limits: NO_LIMITS,
    ...overrides,
  });
}

const outcomes = (run: string, list: Array<[string, ItemOutcome]>) => list.map(([id, outcome]) => item(run, id, `h${id}`, outcome));

/**
 * Same dataset, ids 1–10 plus one removed (12) and one added (11). Items 1 and 2 regress (fail, error),
 * 9 is fixed, 10 fails both times; the current run's content hashes differ, which pairing by id ignores.
 */
function sameDatasetScenario() {
  const baseline = outcomes('base', [
    ['1', 'pass'],
    ['2', 'pass'],
    ['3', 'pass'],
    ['4', 'pass'],
    ['5', 'pass'],
    ['6', 'pass'],
    ['7', 'pass'],
    ['8', 'pass'],
    ['9', 'fail'],
    ['10', 'error'],
    ['12', 'pass'],
  ]);
  const current = [
    item('pr', '1', 'c1', 'fail'),
    item('pr', '2', 'c2', 'error'),
    ...['3', '4', '5', '6', '7', '8'].map((id) => item('pr', id, `c${id}`, 'pass')),
    item('pr', '9', 'c9', 'pass'),
    item('pr', '10', 'c10', 'fail'),
    item('pr', '11', 'c11', 'fail'),
  ];
  return { baseline, current };
}

describe('analyseRun with a baseline: pairing by id', () => {
  it('counts the comparison', () => {
    const { baseline, current } = sameDatasetScenario();
    const result = analyse(current, { baseline: baselineOf(baseline) });
    expect(result.score).toBe(7 / 11);
    const compared = result.baseline!;
    expect(compared.label).toBe('vs main');
    expect(compared.baseline).toEqual({
      runId: 'evalrun_main',
      name: 'main · 1a2b3c4',
      branch: 'main',
      reportUrl: 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_main',
      createdAt: 1_759_900_000,
    });
    const { comparison } = compared;
    expect(comparison).toMatchObject({ pairedBy: 'id', paired: 10, skippedPairs: 0, added: 1, removed: 1 });
    expect(comparison.regressions).toMatchObject([
      { id: '1', contentHash: 'c1', baseline: 'pass', current: 'fail' },
      { id: '2', contentHash: 'c2', baseline: 'pass', current: 'error' },
    ]);
    expect(comparison.fixes).toMatchObject([{ id: '9', contentHash: 'c9', baseline: 'fail', current: 'pass' }]);
    expect(comparison.mcnemar).toEqual({ regressions: 2, fixes: 1, pValue: 1 });
    expect(comparison.baselineScore).toBe(9 / 11);
    expect(comparison.currentScore).toBe(7 / 11);
    expect(comparison.scoreDelta).toBeCloseTo(-2 / 11, 12);
    // Errored items have no verdict, so they count in neither column: 7/10 now, 9/10 then.
    expect(comparison.criteria).toEqual([{ name: 'Exact match', baseline: 0.9, current: 0.7, delta: 0.7 - 0.9 }]);
  });

  it("keeps the current run's failing records of the regressed items and the baseline's of the fixed ones", () => {
    const { baseline, current } = sameDatasetScenario();
    const result = analyse(current, { baseline: baselineOf(baseline) });
    const compared = result.baseline!;
    // The very records of the tallies, so the reports can tell regressions from other failures.
    expect(compared.regressed).toEqual([current[0], current[1]]);
    expect(compared.regressed[0]).toBe(result.failingItems[0]);
    expect(compared.regressed[1]).toBe(result.failingItems[1]);
    expect(compared.fixed).toEqual([baseline[8]]);
    expect(compared.fixed[0]!.outcome).toBe('fail');
    expect(compared.fixed[0]!.id).toBe('outputitem_base_9_h9');
    // Item 10 failed both times and item 11 is new: failing, but neither a regression nor a fix.
    expect(result.failingItems.map((record) => record.datasourceItemId)).toEqual(['1', '2', '10', '11']);
  });

  it('finds the baseline record of a fixed item without an id by its content, even on the same dataset', () => {
    const baseline = [item('base', null, 'hX', 'fail'), item('base', 'a', 'hA', 'fail'), item('base', 'b', 'hB', 'pass')];
    const current = [item('pr', null, 'hX', 'pass'), item('pr', 'a', 'hA2', 'pass'), item('pr', 'b', 'hB', 'pass')];
    const compared = analyse(current, { baseline: baselineOf(baseline) }).baseline!;
    expect(compared.comparison.pairedBy).toBe('id');
    expect(compared.comparison.mcnemar).toMatchObject({ regressions: 0, fixes: 2 });
    expect(compared.fixed).toEqual([baseline[0], baseline[1]]);
    expect(compared.regressed).toEqual([]);
  });

  it('counts a pair with a skipped side apart, as neither a regression nor a fix', () => {
    const baseline = outcomes('base', [
      ['1', 'pass'],
      ['2', 'fail'],
      ['3', 'pass'],
    ]);
    const current = outcomes('pr', [
      ['1', 'skipped'],
      ['2', 'skipped'],
      ['3', 'fail'],
    ]);
    const compared = analyse(current, { baseline: baselineOf(baseline) }).baseline!;
    expect(compared.comparison).toMatchObject({ paired: 1, skippedPairs: 2, added: 0, removed: 0 });
    expect(compared.comparison.mcnemar).toMatchObject({ regressions: 1, fixes: 0 });
    expect(compared.regressed).toEqual([current[2]]);
    expect(compared.fixed).toEqual([]);
  });
});

describe('analyseRun with a baseline: pairing by content', () => {
  // The dataset changed: ids were renumbered, so only the content says which items are the same.
  const baseline = [
    item('base', '1', 'hA', 'pass'),
    item('base', '2', 'hB', 'pass'),
    item('base', '3', 'hC', 'fail'),
    item('base', '4', 'hGone', 'pass'),
    item('base', '5', 'hD', 'error'),
  ];
  const current = [
    item('pr', '1', 'hNew', 'fail'),
    item('pr', '2', 'hC', 'pass'),
    item('pr', '3', 'hA', 'error'),
    item('pr', '4', 'hB', 'pass'),
    item('pr', '5', 'hD', 'pass'),
  ];

  it('pairs items by content hash and keeps the right records', () => {
    const result = analyse(current, { baseline: baselineOf(baseline, { sameDataset: false }) });
    const compared = result.baseline!;
    expect(compared.comparison).toMatchObject({ pairedBy: 'content', paired: 4, skippedPairs: 0, added: 1, removed: 1 });
    expect(compared.comparison.regressions).toMatchObject([{ id: '3', contentHash: 'hA', baseline: 'pass', current: 'error' }]);
    expect(compared.comparison.fixes).toMatchObject([
      { id: '2', contentHash: 'hC', baseline: 'fail', current: 'pass' },
      { id: '5', contentHash: 'hD', baseline: 'error', current: 'pass' },
    ]);
    expect(compared.regressed).toEqual([current[2]]);
    // The baseline's records: ids 3 and 5 there, though the current run calls the first one 2.
    expect(compared.fixed).toEqual([baseline[2], baseline[4]]);
    expect(compared.fixed.map((record) => record.datasourceItemId)).toEqual(['3', '5']);
  });

  it('does not pair by id across datasets, even where the ids match', () => {
    // By id, item 1 (pass → fail) would be a regression; by content it is a new item.
    const result = analyse(current, { baseline: baselineOf(baseline, { sameDataset: false }) });
    expect(result.baseline!.regressed.map((record) => record.datasourceItemId)).toEqual(['3']);
  });

  // A row twice in the dataset, one copy fixed: only that copy's baseline record is listed.
  it('lists one baseline record per fix when a row appears twice and only one copy was fixed', () => {
    const twiceBefore = [item('base', '5', 'hDup', 'fail'), item('base', '6', 'hDup', 'fail'), item('base', '7', 'hOther', 'pass')];
    const twiceNow = [item('pr', '17', 'hDup', 'pass'), item('pr', '18', 'hDup', 'fail'), item('pr', '19', 'hOther', 'pass')];
    const compared = analyse(twiceNow, { baseline: baselineOf(twiceBefore, { sameDataset: false }) }).baseline!;
    expect(compared.comparison.mcnemar).toMatchObject({ regressions: 0, fixes: 1 });
    // Same content pairs in order of appearance: the first baseline copy is the one fixed.
    expect(compared.fixed).toEqual([twiceBefore[0]]);
  });

  // Rows without an id that share their content: only the copy that regressed is listed.
  it('lists one current record per regression when a row without id appears twice and only one copy regressed', () => {
    const twiceBefore = [item('base', null, 'hDup', 'pass'), item('base', null, 'hDup', 'fail')];
    const twiceNow = [item('pr', null, 'hDup', 'fail'), item('pr', null, 'hDup', 'fail')];
    const result = analyse(twiceNow, { baseline: baselineOf(twiceBefore) });
    expect(result.baseline!.comparison.mcnemar).toMatchObject({ regressions: 1, fixes: 0 });
    expect(result.baseline!.regressed).toHaveLength(1);
    expect(result.baseline!.regressed[0]).toBe(result.failingItems[0]);
  });
});

describe('analyseRun with a baseline: the label', () => {
  const baseline = outcomes('base', [['1', 'pass']]);
  const current = outcomes('pr', [['1', 'fail']]);

  it("names the baseline by its branch, else by its run's name", () => {
    expect(analyse(current, { baseline: baselineOf(baseline, { branch: 'release/2.0' }) }).baseline!.label).toBe('vs release/2.0');
    expect(analyse(current, { baseline: baselineOf(baseline, { branch: null }) }).baseline!.label).toBe('vs main · 1a2b3c4');
  });

  // A run without a name has `name: ''` (toRunSnapshot): the id names it then.
  it("falls back to the run's id when the baseline has neither a branch nor a name", () => {
    const label = analyse(current, { baseline: baselineOf(baseline, { branch: null, run: { name: '' } }) }).baseline!.label;
    expect(label).toBe('vs evalrun_main');
  });
});

describe('analyseRun with a baseline: the verdict', () => {
  const { baseline, current } = sameDatasetScenario();

  it('fails on a broken regression limit, after the reasons of its own', () => {
    const result = analyse(current, { baseline: baselineOf(baseline), threshold: 0.9, limits: { ...NO_LIMITS, maxRegressions: 1 } });
    expect(result.verdict).toEqual({
      result: 'fail',
      reasons: [
        'Score 63.6% is below the threshold 90.0%.',
        '2 items regressed vs main, more than max-regressions 1 allows (2 regressed and 1 fixed, p = 1.000).',
      ],
    });
  });

  it('fails a run that meets its threshold when a regression limit is broken', () => {
    const result = analyse(current, {
      baseline: baselineOf(baseline),
      limits: { maxRegressions: null, maxScoreDrop: { unit: 'points', value: 0.1 }, minSignificance: null },
    });
    expect(result.verdict).toEqual({
      result: 'fail',
      reasons: ['The score dropped 18.2 pts vs main (81.8% → 63.6%), more than max-score-drop 10.0 pts allows (2 regressed and 1 fixed, p = 1.000).'],
    });
  });

  it('passes with a note when the broken limit is not significant', () => {
    const result = analyse(current, { baseline: baselineOf(baseline), limits: { ...NO_LIMITS, maxRegressions: 1, minSignificance: 0.05 } });
    expect(result.verdict).toEqual({
      result: 'pass',
      reasons: [
        'Score 63.6% meets the threshold 0.0%.',
        '2 items regressed vs main, more than max-regressions 1 allows, but the change is not significant at min-significance 0.05 (2 regressed and 1 fixed, p = 1.000): not failing the gate.',
      ],
    });
  });

  it('adds the notes after the failures when the run fails for another reason', () => {
    const result = analyse(current, {
      baseline: baselineOf(baseline),
      threshold: 0.9,
      limits: { ...NO_LIMITS, maxRegressions: 1, minSignificance: 0.05 },
    });
    expect(result.verdict.result).toBe('fail');
    expect(result.verdict.reasons).toHaveLength(2);
    expect(result.verdict.reasons[0]).toBe('Score 63.6% is below the threshold 90.0%.');
    expect(result.verdict.reasons[1]).toMatch(/^2 items regressed vs main, .*: not failing the gate\.$/);
  });

  it('judges nothing without limits, and compares all the same', () => {
    const result = analyse(current, { baseline: baselineOf(baseline), limits: undefined });
    expect(result.verdict).toEqual({ result: 'pass', reasons: ['Score 63.6% meets the threshold 0.0%.'] });
    expect(result.baseline).not.toBeNull();
  });
});

describe('analyseRun: when nothing is compared', () => {
  const baseline = outcomes('base', [
    ['1', 'pass'],
    ['2', 'pass'],
  ]);
  const limits: RegressionLimits = { maxRegressions: 0, maxScoreDrop: { unit: 'points', value: 0 }, minSignificance: null };

  it('passes baselineNote through when there is no baseline', () => {
    const note = 'No baseline: no completed run of this gate on main. The gate judged the run alone.';
    const result = analyse(outcomes('pr', [['1', 'pass']]), { baseline: null, baselineNote: note });
    expect(result.baseline).toBeNull();
    expect(result.baselineNote).toBe(note);
    expect(analyse(outcomes('pr', [['1', 'pass']])).baselineNote).toBeNull();
  });

  it('drops baselineNote when there is a baseline', () => {
    const result = analyse(outcomes('pr', [['1', 'pass']]), { baseline: baselineOf(baseline), baselineNote: 'stale note' });
    expect(result.baseline).not.toBeNull();
    expect(result.baselineNote).toBeNull();
  });

  it('does not compare a run that did not complete, and keeps the note', () => {
    for (const status of ['failed', 'canceled', 'timeout'] as const) {
      const result = analyse(outcomes('pr', [['1', 'fail']]), { status, baseline: baselineOf(baseline), baselineNote: 'note', limits });
      expect(result.baseline, status).toBeNull();
      expect(result.baselineNote, status).toBe('note');
      expect(result.verdict.reasons.join('\n'), status).not.toContain('regressed');
      expect(result.verdict.reasons.join('\n'), status).not.toContain('dropped');
    }
  });

  it('does not compare a run whose items were not read', () => {
    const result = analyseRun({
      evalId: 'eval_1',
      run: snapshot({ resultCounts: { total: 2, passed: 0, failed: 2, errored: 0, skipped: 0 } }),
      status: 'timeout',
      tally: null,
      threshold: 0,
      criteriaThresholds: [],
      timeoutMs: 60_000,
      durationMs: 60_000,
      workflowRunUrl: null,
      baseline: baselineOf(baseline),
      limits,
    });
    expect(result.baseline).toBeNull();
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['The run did not finish within timeout-minutes (1 min).'] });
  });

  it('does not compare a run with no graded items (all skipped, or none at all)', () => {
    const skipped = analyse(outcomes('pr', [
      ['1', 'skipped'],
      ['2', 'skipped'],
    ]), { baseline: baselineOf(baseline), limits });
    expect(skipped.baseline).toBeNull();
    expect(skipped.verdict).toEqual({ result: 'fail', reasons: ['All 2 items were skipped: nothing was graded.'] });

    const empty = analyse([], { baseline: baselineOf(baseline), limits });
    expect(empty.baseline).toBeNull();
    expect(empty.verdict).toEqual({ result: 'fail', reasons: ['The run has no items: nothing was evaluated.'] });
  });
});

describe('analyseRun: trend', () => {
  const history: ScorePoint[] = [
    { runId: 'evalrun_a', label: '10-07', score: 0.8, url: 'https://example.com/a', status: 'pass' },
    { runId: 'evalrun_b', label: '10-08', score: 0.85, url: null, status: 'fail' },
  ];

  it('is the history with the current run last, its status the verdict', () => {
    const copy = structuredClone(history);
    const result = analyse(outcomes('pr', [
      ['1', 'pass'],
      ['2', 'pass'],
      ['3', 'fail'],
      ['4', 'pass'],
    ]), { history, threshold: 0.5 });
    expect(result.trend).toEqual([
      ...history,
      // 1,760,000,000 s is 2025-10-09T08:53:20Z.
      { runId: 'evalrun_pr', label: '10-09', score: 0.75, url: REPORT_URL, status: 'pass' },
    ]);
    // The input is left as it was.
    expect(history).toEqual(copy);
  });

  it('marks the current point failed when the verdict fails', () => {
    const result = analyse(outcomes('pr', [
      ['1', 'pass'],
      ['2', 'fail'],
    ]), { history, threshold: 0.9 });
    expect(result.verdict.result).toBe('fail');
    expect(result.trend!.at(-1)).toEqual({ runId: 'evalrun_pr', label: '10-09', score: 0.5, url: REPORT_URL, status: 'fail' });
    expect(result.trend!.slice(0, 2)).toEqual(history);
  });

  it('marks a run that did not complete as failed', () => {
    const result = analyseRun({
      evalId: 'eval_1',
      run: snapshot({ status: 'in_progress', resultCounts: { total: 4, passed: 4, failed: 0, errored: 0, skipped: 0 } }),
      status: 'timeout',
      tally: null,
      threshold: 0,
      criteriaThresholds: [],
      timeoutMs: 60_000,
      durationMs: 60_000,
      workflowRunUrl: WORKFLOW_URL,
      history: [],
    });
    expect(result.trend).toEqual([{ runId: 'evalrun_pr', label: '10-09', score: 1, url: REPORT_URL, status: 'fail' }]);
  });

  it("falls back to the run's id as label and to the workflow run as link", () => {
    const current = outcomes('pr', [['1', 'pass']]);
    const tally = tallyOf(current);
    const result = analyse(current, { run: snapshot({ createdAt: null, reportUrl: null, resultCounts: { ...tally.counts } }), history: [] });
    expect(result.trend).toEqual([{ runId: 'evalrun_pr', label: 'evalrun_pr', score: 1, url: WORKFLOW_URL, status: 'pass' }]);
  });

  it('is null without history', () => {
    expect(analyse(outcomes('pr', [['1', 'pass']])).trend).toBeNull();
    expect(analyse(outcomes('pr', [['1', 'pass']]), { history: null }).trend).toBeNull();
  });
});

describe('analyseRun: criteria-thresholds by full grader id', () => {
  const current = [
    ...Array.from({ length: 7 }, (_, n) => item('pr', String(n), `h${n}`, 'pass')),
    ...Array.from({ length: 3 }, (_, n) => item('pr', String(n + 7), `h${n + 7}`, 'fail')),
  ];

  it('matches a criterion the run names bare (no per-criterion results: rates from the items)', () => {
    const result = analyse(current, { criteriaThresholds: [{ name: EXACT_ID, min: 0.8 }] });
    expect(result.criteria).toEqual([{ id: 'Exact match', name: 'Exact match', metric: null, passed: 7, failed: 3, rate: 0.7, min: 0.8 }]);
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['Criterion "Exact match" passed 70.0%, below its minimum 80.0%.'] });
  });

  it('still reports a full id whose name matches no criterion', () => {
    const other = 'Tone-11111111-2222-4333-8444-555555555555';
    const result = analyse(current, { criteriaThresholds: [{ name: other, min: 0.5 }] });
    expect(result.criteria[0]!.min).toBeNull();
    expect(result.verdict.reasons).toEqual([
      `criteria-thresholds names "${other}", which is not a criterion of this run (criteria: "Exact match").`,
    ]);
  });

  it('compares the criterion with the baseline by name, whichever side has per-criterion results', () => {
    const perCriterion: CriterionCounts[] = [{ id: EXACT_ID, name: 'Exact match', passed: 9, failed: 1 }];
    const baseline = Array.from({ length: 10 }, (_, n) => item('base', String(n), `h${n}`, n < 9 ? 'pass' : 'fail'));
    const result = analyse(current, {
      baseline: baselineOf(baseline, { run: { perCriterion } }),
      criteriaThresholds: [{ name: EXACT_ID, min: 0.6 }],
    });
    expect(result.criteria[0]).toMatchObject({ name: 'Exact match', rate: 0.7, min: 0.6 });
    expect(result.baseline!.comparison.criteria).toEqual([{ name: 'Exact match', baseline: 0.9, current: 0.7, delta: 0.7 - 0.9 }]);
    expect(result.verdict.result).toBe('pass');
  });
});

describe('analyseRun from the failing items alone (the run object gives the rest)', () => {
  /** The run's counts and per-criterion results, as a server reports them for these items. */
  function runFor(records: ItemRecord[], overrides: Partial<RunSnapshot> = {}): RunSnapshot {
    const all = tallyOf(records);
    const exact = all.criteria.get('Exact match');
    return snapshot({
      resultCounts: { ...all.counts },
      perCriterion: exact ? [{ id: EXACT_ID, name: 'Exact match', passed: exact.passed, failed: exact.failed }] : [],
      ...overrides,
    });
  }

  /** What the gate reads with status=fail: the failed and errored items, in order. */
  function failingTally(records: ItemRecord[]) {
    const tally = tallyOf(records.filter((record) => record.outcome === 'fail' || record.outcome === 'error'));
    tally.coverage = 'failing';
    return tally;
  }

  /** n items of a dataset, each passing, failing or errored by a seeded draw. */
  function randomRun(run: string, n: number, seed: number, failShare: number): ItemRecord[] {
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    return Array.from({ length: n }, (_, index) => {
      const draw = random();
      return item(run, String(index), `h${index}`, draw < failShare * 0.8 ? 'fail' : draw < failShare ? 'error' : 'pass');
    });
  }

  it('takes the counts, the score and the per-criterion rates from the run, and keeps the failing records', () => {
    const current = randomRun('pr', 50, 3, 0.3);
    const run = runFor(current);
    const result = analyseRun({
      evalId: 'eval_1',
      run,
      status: 'completed',
      tally: failingTally(current),
      threshold: 0,
      criteriaThresholds: [{ name: 'Exact match', min: 0.5 }],
      timeoutMs: 60_000,
      durationMs: 1,
      workflowRunUrl: null,
    });
    const full = analyse(current, { criteriaThresholds: [{ name: 'Exact match', min: 0.5 }] });
    expect(result.counts).toEqual(run.resultCounts);
    expect(result.counts).toEqual(full.counts);
    expect(result.score).toBe(full.score);
    expect(result.criteria.map(({ name, rate, min }) => ({ name, rate, min }))).toEqual(full.criteria.map(({ name, rate, min }) => ({ name, rate, min })));
    expect(result.failingItems).toEqual(full.failingItems);
    expect(result.countsNote).toBeNull();
    expect(result.verdict).toEqual(full.verdict);
  });

  it('pairs by id from the two failing lists exactly as from every item of both runs', () => {
    for (const [seed, n] of [
      [1, 40],
      [2, 200],
      [5, 1000],
    ] as const) {
      const baseline = randomRun('base', n, seed, 0.25);
      const current = randomRun('pr', n, seed + 100, 0.2);
      const full = analyse(current, { run: runFor(current), baseline: baselineOf(baseline, { run: runFor(baseline, { id: 'evalrun_main' }) }) });
      const baselineInput = { ...baselineOf(baseline, { run: runFor(baseline, { id: 'evalrun_main' }) }), tally: failingTally(baseline) };
      const fromFailing = analyseRun({
        evalId: 'eval_1',
        run: runFor(current),
        status: 'completed',
        tally: failingTally(current),
        threshold: 0,
        criteriaThresholds: [],
        timeoutMs: 60_000,
        durationMs: 1000,
        workflowRunUrl: WORKFLOW_URL,
        limits: NO_LIMITS,
        baseline: baselineInput,
      });
      const a = full.baseline!.comparison;
      const b = fromFailing.baseline!.comparison;
      const change = ({ id, baseline: before, current: now }: { id: string | null; baseline: ItemOutcome; current: ItemOutcome }) => ({ id, before, now });
      expect(b.regressions.map(change), `seed ${seed}`).toEqual(a.regressions.map(change));
      expect(b.fixes.map(change)).toEqual(a.fixes.map(change));
      expect(b.regressions.length + b.fixes.length).toBeGreaterThan(0);
      expect({ ...b, regressions: [], fixes: [] }).toEqual({ ...a, regressions: [], fixes: [] });
      expect(fromFailing.baseline!.regressed).toEqual(full.baseline!.regressed);
      expect(fromFailing.baseline!.fixed).toEqual(full.baseline!.fixed);
      expect(fromFailing.verdict).toEqual(full.verdict);
    }
  });

  it('pairs a run read in full with a baseline read from its failing items', () => {
    const baseline = randomRun('base', 100, 8, 0.3);
    const current = randomRun('pr', 100, 9, 0.3);
    const base = baselineOf(baseline, { run: runFor(baseline, { id: 'evalrun_main' }) });
    const full = analyse(current, { run: runFor(current), baseline: base });
    const mixed = analyse(current, { run: runFor(current), baseline: { ...base, tally: failingTally(baseline) } });
    expect(mixed.baseline!.comparison.mcnemar).toEqual(full.baseline!.comparison.mcnemar);
    expect(mixed.baseline!.regressed).toEqual(full.baseline!.regressed);
  });

  it('compares nothing from failing items it cannot pair by id, and says so', () => {
    const baseline = outcomes('base', [
      ['1', 'pass'],
      ['2', 'fail'],
      ['3', 'pass'],
    ]);
    const current = outcomes('pr', [
      ['1', 'fail'],
      ['2', 'pass'],
      ['3', 'pass'],
    ]);
    const cases: Array<[string, ItemRecord[], ItemRecord[], Partial<BaselineInput>, Partial<RunSnapshot>]> = [
      ['another dataset', current, baseline, { sameDataset: false }, {}],
      ['an item without id', [item('pr', null, 'h1', 'fail'), ...current.slice(1)], baseline, {}, {}],
      ['an id twice', [item('pr', '1', 'h1', 'fail'), item('pr', '1', 'h1b', 'fail'), current[2]!], baseline, {}, {}],
      ['runs of different sizes', [...current, item('pr', '4', 'h4', 'pass')], baseline, {}, {}],
      ['skipped items', current, baseline, {}, { resultCounts: { total: 3, passed: 1, failed: 1, errored: 0, skipped: 1 } }],
    ];
    for (const [what, now, before, baselineOverrides, runOverrides] of cases) {
      const result = analyseRun({
        evalId: 'eval_1',
        run: runFor(now, runOverrides),
        status: 'completed',
        tally: failingTally(now),
        threshold: 0,
        criteriaThresholds: [],
        timeoutMs: 60_000,
        durationMs: 1,
        workflowRunUrl: null,
        baseline: { ...baselineOf(before, { run: runFor(before, { id: 'evalrun_main' }) }), tally: failingTally(before), ...baselineOverrides },
      });
      expect(result.baseline, what).toBeNull();
      expect(result.baselineNote, what).toMatch(
        what === 'another dataset' ? /^No comparison vs main: only the baseline's failing items are known .* this run evaluated other rows/ : /^No comparison vs main: its items could not be paired one by one with this run's/,
      );
    }
  });
});
