import { describe, expect, it } from 'vitest';
import { toRunSnapshot } from '../../../src/evals-api/records.ts';
import { progressLine } from '../../../src/report/progress-line.ts';

function run(status: string, counts: { total: number; passed: number; failed: number; errored: number; skipped?: number }) {
  return toRunSnapshot({ id: 'evalrun_1', eval_id: 'eval_1', status, result_counts: counts, per_model_usage: null, per_testing_criteria_results: null, error: null });
}

describe('progressLine', () => {
  it('shows graded items out of the known total, the outcomes so far and the elapsed time', () => {
    expect(progressLine(run('in_progress', { total: 340, passed: 310, failed: 25, errored: 5 }), 130_000, 1000)).toBe(
      'in_progress · 340/1000 graded · 310 pass · 25 fail · 5 error · 2m10s',
    );
  });

  it("falls back on the run's own total, and on no total at all", () => {
    expect(progressLine(run('in_progress', { total: 40, passed: 30, failed: 5, errored: 0 }), 5000, null)).toMatch(/^in_progress · 35\/40 graded/);
    expect(progressLine(run('queued', { total: 0, passed: 0, failed: 0, errored: 0 }), 0, null)).toMatch(/^queued · 0 graded · 0 pass/);
  });

  it('counts skipped items (Azure) as done, and names them', () => {
    expect(progressLine(run('in_progress', { total: 20, passed: 10, failed: 2, errored: 1, skipped: 3 }), 1000, 20)).toBe(
      'in_progress · 16/20 graded · 10 pass · 2 fail · 1 error · 3 skipped · 1s',
    );
  });
});
