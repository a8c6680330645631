import { describe, expect, it } from 'vitest';
import { analyseRun, type AnalysisInput } from '../../../src/analysis/analyse-run.ts';
import type { GateStatus } from '../../../src/analysis/gate-result.ts';
import { ItemTally } from '../../../src/analysis/item-tally.ts';
import { percent, rate } from '../../../src/analysis/rates.ts';
import { decideVerdict, type VerdictInput } from '../../../src/analysis/verdict.ts';
import type { CriterionCounts, GradeRecord, ItemOutcome, ItemRecord, ResultCounts } from '../../../src/evals-api/run-types.ts';
import { parseRate } from '../../../src/settings/input-parsers.ts';
import { grade, snapshot, tallyOf } from '../../support/analysis-fixtures.ts';

const EXACT_ID = 'Exact match-0d3f9a2e-1b2c-4d5e-8f90-123456789abc';
const JUDGE_ID = 'Judge-11111111-2222-4333-8444-555555555555';

let itemCount = 0;
function record(outcome: ItemOutcome, grades: GradeRecord[] = []): ItemRecord {
  itemCount++;
  return {
    id: `outputitem_${itemCount}`,
    datasourceItemId: String(itemCount),
    contentHash: `hash${itemCount}`,
    outcome,
    input: 'q',
    expected: 'a',
    output: outcome === 'error' ? null : 'a',
    error: outcome === 'error' ? 'boom' : null,
    grades,
  };
}

/** `passed` passing, `failed` failing and `errored` errored items, each graded by "Exact match". */
function gradedItems(passed: number, failed: number, errored = 0): ItemRecord[] {
  return [
    ...Array.from({ length: passed }, () => record('pass', [grade('Exact match', true)])),
    ...Array.from({ length: failed }, () => record('fail', [grade('Exact match', false)])),
    ...Array.from({ length: errored }, () => record('error', [grade('Exact match', null)])),
  ];
}

function countsOf(tally: ItemTally): ResultCounts {
  return { ...tally.counts };
}

function analyse(overrides: Partial<AnalysisInput> & { tally?: ItemTally | null }) {
  const tally = overrides.tally === undefined ? null : overrides.tally;
  return analyseRun({
    evalId: 'eval_1',
    run: snapshot(tally ? { resultCounts: countsOf(tally) } : {}),
    status: 'completed',
    threshold: 1,
    criteriaThresholds: [],
    timeoutMs: 60 * 60_000,
    durationMs: 1234,
    workflowRunUrl: 'https://github.com/acme/widgets/actions/runs/1',
    ...overrides,
    tally,
  });
}

function verdict(overrides: Partial<VerdictInput>) {
  return decideVerdict({
    status: 'completed',
    runError: null,
    counts: { total: 10, passed: 10, failed: 0, errored: 0, skipped: 0 },
    score: 1,
    threshold: 1,
    criteria: [],
    unknownCriteria: [],
    timeoutMs: 60 * 60_000,
    ...overrides,
  });
}

describe('ItemTally', () => {
  it('counts items by outcome and criteria by grade; an undecided grade counts in neither column', () => {
    const tally = tallyOf([
      record('pass', [grade('Exact match', true), grade('Judge', true)]),
      record('pass', [grade('Exact match', true), grade('Judge', false)]),
      record('fail', [grade('Exact match', false)]),
      record('error', [grade('Judge', null)]),
      record('error'),
      record('skipped', [grade('Judge', null)]),
    ]);
    expect(tally.counts).toEqual({ total: 6, passed: 2, failed: 1, errored: 2, skipped: 1 });
    expect(Object.fromEntries(tally.criteria)).toEqual({
      'Exact match': { grader: 'Exact match', metric: null, passed: 2, failed: 1 },
      Judge: { grader: 'Judge', metric: null, passed: 1, failed: 1 },
    });
    expect(tally.hasMetrics).toBe(false);
    // Skipped items were not graded: they are not failures to show.
    expect(tally.failing.map((entry) => entry.outcome)).toEqual(['fail', 'error', 'error']);
    expect(tally.failingOmitted).toBe(0);
  });

  it('counts each metric of a multi-metric grader (Azure) as its own criterion', () => {
    const metric = (name: string, metricName: string, passed: boolean | null): GradeRecord => ({ ...grade(name, passed), metric: metricName });
    const tally = tallyOf([
      record('pass', [metric('qa', 'f1_score', true), metric('qa', 'similarity', true), grade('tone', true)]),
      record('fail', [metric('qa', 'f1_score', false), metric('qa', 'similarity', true), grade('tone', true)]),
      record('error', [metric('qa', 'f1_score', null), metric('qa', 'similarity', null), grade('tone', null)]),
    ]);
    expect(tally.hasMetrics).toBe(true);
    expect(Object.fromEntries(tally.criteria)).toEqual({
      'qa/f1_score': { grader: 'qa', metric: 'f1_score', passed: 1, failed: 1 },
      'qa/similarity': { grader: 'qa', metric: 'similarity', passed: 2, failed: 0 },
      tone: { grader: 'tone', metric: null, passed: 2, failed: 0 },
    });
  });

  it('keeps failing items up to its cap, in order, and counts the rest', () => {
    const failing = [record('fail'), record('error'), record('fail'), record('fail'), record('error')];
    const tally = tallyOf([record('pass'), ...failing, record('pass')], 3);
    expect(tally.failing.map((entry) => entry.id)).toEqual(failing.slice(0, 3).map((entry) => entry.id));
    expect(tally.failingOmitted).toBe(2);
    expect(tally.counts).toEqual({ total: 7, passed: 2, failed: 3, errored: 2, skipped: 0 });
  });
});

describe('rates', () => {
  it('rate is null for nothing graded', () => {
    expect(rate(3, 4)).toBe(0.75);
    expect(rate(0, 0)).toBeNull();
  });

  it('percent shows one decimal', () => {
    expect(percent(0.925)).toBe('92.5%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(2 / 3)).toBe('66.7%');
    expect(percent(null)).toBe('—');
  });
});

describe('analyseRun', () => {
  it('scores passed / total, errored items counting as not passed', () => {
    const result = analyse({ tally: tallyOf(gradedItems(7, 2, 1)), threshold: 0.7 });
    expect(result.counts).toEqual({ total: 10, passed: 7, failed: 2, errored: 1, skipped: 0 });
    expect(result.score).toBe(0.7);
    expect(result.verdict.result).toBe('pass');
    expect(result.failingItems).toHaveLength(3);
    expect(result.failingItemsOmitted).toBe(0);
    expect(result.links).toEqual({
      report: 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_1',
      workflowRun: 'https://github.com/acme/widgets/actions/runs/1',
    });
    expect(result.durationMs).toBe(1234);
  });

  it('passes a score exactly at the threshold', () => {
    const result = analyse({ tally: tallyOf(gradedItems(9, 1)), threshold: 0.9 });
    expect(result.verdict).toEqual({ result: 'pass', reasons: ['Score 90.0% meets the threshold 90.0%.'] });
  });

  it('passes 999 of 1000 items at a "99.9%" threshold', () => {
    const result = analyse({ tally: tallyOf(gradedItems(999, 1)), threshold: parseRate('threshold', '99.9%') });
    expect(result.verdict.result).toBe('pass');
  });

  it('fails a score below the threshold', () => {
    const result = analyse({ tally: tallyOf(gradedItems(8, 2)), threshold: 0.9 });
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['Score 80.0% is below the threshold 90.0%.'] });
  });

  it('leaves skipped items (Azure) out of the score, and fails a run where every item was skipped', () => {
    const skipped = [record('skipped'), record('skipped')];
    const result = analyse({ tally: tallyOf([...gradedItems(3, 1), ...skipped]), threshold: 0.75 });
    expect(result.counts).toEqual({ total: 6, passed: 3, failed: 1, errored: 0, skipped: 2 });
    expect(result.score).toBe(0.75);
    expect(result.verdict.result).toBe('pass');

    const none = analyse({ tally: tallyOf(skipped), threshold: 0 });
    expect(none.score).toBe(0);
    expect(none.verdict).toEqual({ result: 'fail', reasons: ['All 2 items were skipped: nothing was graded.'] });
  });

  it('shows each metric of a multi-metric grader (Azure) from the items, and a grader name sets the minimum of each', () => {
    const metric = (metricName: string, passed: boolean): GradeRecord => ({ ...grade('qa', passed), type: 'azure_ai_evaluator', metric: metricName });
    const items = [
      record('pass', [metric('f1_score', true), metric('similarity', true)]),
      record('fail', [metric('f1_score', false), metric('similarity', true)]),
    ];
    // The run's per-grader counts cannot show the metrics: the items' are used.
    const run = snapshot({ perCriterion: [{ id: 'qa', name: 'qa', passed: 1, failed: 1 }] });
    const result = analyse({
      run,
      tally: tallyOf(items),
      threshold: 0,
      criteriaThresholds: [
        { name: 'qa', min: 0.6 },
        { name: 'qa/similarity', min: 1 },
      ],
    });
    expect(result.criteria).toEqual([
      { id: 'qa/f1_score', name: 'qa/f1_score', metric: 'f1_score', passed: 1, failed: 1, rate: 0.5, min: 0.6 },
      { id: 'qa/similarity', name: 'qa/similarity', metric: 'similarity', passed: 2, failed: 0, rate: 1, min: 1 },
    ]);
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['Criterion "qa/f1_score" passed 50.0%, below its minimum 60.0%.'] });
  });

  it("takes per-criterion rates from the run's per_testing_criteria_results when it has them", () => {
    const perCriterion: CriterionCounts[] = [
      { id: EXACT_ID, name: 'Exact match', passed: 8, failed: 2 },
      { id: JUDGE_ID, name: 'Judge', passed: 0, failed: 0 },
    ];
    const tally = tallyOf(gradedItems(10, 0));
    const result = analyse({ tally, run: snapshot({ resultCounts: countsOf(tally), perCriterion }), threshold: 0 });
    expect(result.criteria).toEqual([
      { id: EXACT_ID, name: 'Exact match', metric: null, passed: 8, failed: 2, rate: 0.8, min: null },
      { id: JUDGE_ID, name: 'Judge', metric: null, passed: 0, failed: 0, rate: null, min: null },
    ]);
  });

  it('takes per-criterion rates from the items when the run has none', () => {
    const result = analyse({ tally: tallyOf(gradedItems(3, 1)), threshold: 0 });
    expect(result.criteria).toEqual([{ id: 'Exact match', name: 'Exact match', metric: null, passed: 3, failed: 1, rate: 0.75, min: null }]);
  });

  it('matches criteria-thresholds by name and by full id', () => {
    const perCriterion: CriterionCounts[] = [
      { id: EXACT_ID, name: 'Exact match', passed: 9, failed: 1 },
      { id: JUDGE_ID, name: 'Judge', passed: 5, failed: 5 },
    ];
    const tally = tallyOf(gradedItems(10, 0));
    const result = analyse({
      tally,
      run: snapshot({ resultCounts: countsOf(tally), perCriterion }),
      criteriaThresholds: [
        { name: 'Exact match', min: 0.9 },
        { name: JUDGE_ID, min: 0.6 },
      ],
    });
    expect(result.criteria.map((criterion) => criterion.min)).toEqual([0.9, 0.6]);
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['Criterion "Judge" passed 50.0%, below its minimum 60.0%.'] });
  });

  it('passes when every criterion meets its minimum', () => {
    const result = analyse({ tally: tallyOf(gradedItems(10, 0)), criteriaThresholds: [{ name: 'Exact match', min: 1 }] });
    expect(result.verdict).toEqual({
      result: 'pass',
      reasons: ['Score 100.0% meets the threshold 100.0%.', 'The criterion with a minimum meets it.'],
    });
  });

  it('fails on an unknown criterion name, listing the known ones', () => {
    const perCriterion: CriterionCounts[] = [
      { id: EXACT_ID, name: 'Exact match', passed: 10, failed: 0 },
      { id: JUDGE_ID, name: 'Judge', passed: 10, failed: 0 },
    ];
    const tally = tallyOf(gradedItems(10, 0));
    const result = analyse({
      tally,
      run: snapshot({ resultCounts: countsOf(tally), perCriterion }),
      criteriaThresholds: [{ name: 'Exact-match', min: 0.5 }],
    });
    expect(result.verdict.result).toBe('fail');
    expect(result.verdict.reasons).toEqual([
      'criteria-thresholds names "Exact-match", which is not a criterion of this run (criteria: "Exact match", "Judge").',
    ]);
  });

  it('fails a run with zero items', () => {
    const result = analyse({ tally: new ItemTally(), threshold: 0 });
    expect(result.score).toBe(0);
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['The run has no items: nothing was evaluated.'] });
  });

  it("uses the run's result_counts when no items were read", () => {
    const result = analyse({
      run: snapshot({ status: 'failed', resultCounts: { total: 4, passed: 1, failed: 1, errored: 2, skipped: 0 } }),
      status: 'failed',
    });
    expect(result.counts).toEqual({ total: 4, passed: 1, failed: 1, errored: 2, skipped: 0 });
    expect(result.score).toBe(0.25);
    expect(result.failingItems).toEqual([]);
    expect(result.countsNote).toBeNull();
  });

  it('notes when the items disagree with result_counts', () => {
    const tally = tallyOf(gradedItems(8, 2));
    const result = analyse({ tally, run: snapshot({ resultCounts: { total: 10, passed: 9, failed: 1, errored: 0, skipped: 0 } }), threshold: 0 });
    expect(result.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(result.countsNote).toBe(
      "The run's result_counts say 10 total (9 passed, 1 failed, 0 errored), but its output items show 10 total (8 passed, 2 failed, 0 errored). The score is computed from the output items.",
    );
    expect(analyse({ tally, threshold: 0 }).countsNote).toBeNull();
  });

  it('keeps only the capped failing items and reports the omitted count', () => {
    const result = analyse({ tally: tallyOf(gradedItems(1, 5), 3), threshold: 0 });
    expect(result.failingItems).toHaveLength(3);
    expect(result.failingItemsOmitted).toBe(2);
  });

  // The run never got to grade anything: its criteria are unknown, not absent.
  it('gives a timed-out run only the timeout reason, even with criteria-thresholds', () => {
    const result = analyse({ status: 'timeout', timeoutMs: 30 * 60_000, criteriaThresholds: [{ name: 'Exact match', min: 0.9 }] });
    expect(result.verdict).toEqual({
      result: 'fail',
      reasons: ['The run did not finish within timeout-minutes (30 min).'],
    });
  });
});

describe('decideVerdict', () => {
  it('shows 0.8999 and 0.9 as distinguishable percentages', () => {
    expect(verdict({ score: 0.8999, threshold: 0.9 })).toEqual({
      result: 'fail',
      reasons: ['Score 89.99% is below the threshold 90.00%.'],
    });
  });

  it('shows a criterion just below its minimum distinguishably', () => {
    const result = verdict({
      criteria: [{ id: 'c', name: 'c', metric: null, passed: 8999, failed: 1001, rate: 0.8999, min: 0.9 }],
    });
    expect(result.reasons).toEqual(['Criterion "c" passed 89.99%, below its minimum 90.00%.']);
  });

  it('fails a criterion with a minimum that graded nothing', () => {
    const result = verdict({ criteria: [{ id: 'c', name: 'c', metric: null, passed: 0, failed: 0, rate: null, min: 0.5 }] });
    expect(result).toEqual({ result: 'fail', reasons: ['Criterion "c" graded no items, so its minimum 50.0% is not met.'] });
  });

  it("puts a failed run's error in the reason", () => {
    const result = verdict({ status: 'failed', runError: { code: 'invalid_data_source', message: 'File file-1 was not found.' } });
    expect(result.result).toBe('fail');
    expect(result.reasons[0]).toBe('The run ended with status "failed": invalid_data_source: File file-1 was not found.');
    expect(verdict({ status: 'failed', runError: { code: '', message: 'Oops.' } }).reasons[0]).toBe('The run ended with status "failed": Oops.');
    expect(verdict({ status: 'failed' }).reasons[0]).toBe('The run ended with status "failed".');
  });

  it('gives canceled and timeout reasons', () => {
    expect(verdict({ status: 'canceled' })).toEqual({ result: 'fail', reasons: ['The run was canceled before it completed.'] });
    expect(verdict({ status: 'timeout', timeoutMs: 60 * 60_000 }).reasons).toEqual([
      'The run did not finish within timeout-minutes (60 min).',
    ]);
    expect(verdict({ status: 'timeout', timeoutMs: 90_000 }).reasons[0]).toContain('(1.50 min)');
  });

  it('does not judge the score of a run that did not complete', () => {
    for (const status of ['failed', 'canceled', 'timeout'] satisfies GateStatus[]) {
      const result = verdict({ status, score: 0, threshold: 1 });
      expect(result.reasons).toHaveLength(1);
      expect(result.reasons[0]).not.toContain('Score');
    }
  });

  it('lists every reason, and "none" when the run has no criteria', () => {
    const result = verdict({ score: 0.5, threshold: 0.9, unknownCriteria: ['x'] });
    expect(result.reasons).toEqual([
      'Score 50.0% is below the threshold 90.0%.',
      'criteria-thresholds names "x", which is not a criterion of this run (criteria: none).',
    ]);
  });
});
