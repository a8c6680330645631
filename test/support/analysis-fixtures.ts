// Builders shared by the analysis and record tests (test/unit/analysis*.test.ts, records.test.ts).
import { ItemTally } from '../../src/analysis/item-tally.ts';
import type { GradeRecord, ItemRecord, RunSnapshot } from '../../src/evals-api/run-types.ts';

/** A string_check grade of grader `name`: score 1 when passed, 0 when failed, none when undecided. */
export function grade(name: string, passed: boolean | null): GradeRecord {
  return { name, type: 'string_check', metric: null, passed, score: passed === null ? null : passed ? 1 : 0, threshold: null, label: null, reason: null };
}

/** A tally of `records`, added in order, keeping at most `keep` failing items. */
export function tallyOf(records: ItemRecord[], keep?: number): ItemTally {
  const tally = new ItemTally(keep);
  for (const record of records) tally.add(record);
  return tally;
}

/** A completed run `evalrun_1` of `eval_1` with no items yet. */
export function snapshot(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'evalrun_1',
    evalId: 'eval_1',
    name: 'run',
    status: 'completed',
    model: null,
    reportUrl: 'https://platform.openai.com/evaluations/eval_1?run_id=evalrun_1',
    createdAt: 1_760_000_000,
    resultCounts: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
    perCriterion: [],
    usage: [],
    error: null,
    metadata: {},
    ...overrides,
  };
}
