import type { GradeRecord, ItemRecord, ResultCounts } from '../evals-api/run-types.js';
import type { ItemOutcomeKey } from './compare-runs.js';

/** Failing items kept with their texts; beyond this they are only counted (memory stays bounded). */
export const FAILING_ITEMS_KEPT = 5000;

export interface CriterionTally {
  /** The grader's name. */
  grader: string;
  /** The metric, for graders with several (Azure); null otherwise. */
  metric: string | null;
  passed: number;
  failed: number;
}

/** How a grader's result is named in the per-criterion table: `grader`, or `grader/metric`. */
export function criterionKey(grade: Pick<GradeRecord, 'name' | 'metric'>): string {
  return grade.metric ? `${grade.name}/${grade.metric}` : grade.name;
}

/**
 * Which of a run's items a tally saw: `all` of them, or only the `failing` list (failed and errored,
 * the API's `status=fail`). A failing-only tally's counts and per-criterion tallies cover those items
 * alone: the run's own `result_counts` and per-criterion results stand for the whole run.
 */
export type TallyCoverage = 'all' | 'failing';

/**
 * Counts items as they stream in. Passing items leave only a count behind; failing and errored ones
 * are kept (up to a cap) for the reports.
 */
export class ItemTally {
  /** Set by whoever feeds the tally; `all` unless it was fed the failing list alone. */
  coverage: TallyCoverage;
  readonly counts: ResultCounts = { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 };
  /** Per grader (and metric), in the order first seen. */
  readonly criteria = new Map<string, CriterionTally>();
  readonly failing: ItemRecord[] = [];
  /** Where each kept failing record is among the items the tally saw (its index in `keys`). */
  readonly failingIndexes: number[] = [];
  /** Every item's keys and outcome (of those the tally saw), for the comparison with a baseline (about 100 bytes an item). */
  readonly keys: ItemOutcomeKey[] = [];
  failingOmitted = 0;
  private readonly keep: number;

  constructor(keep = FAILING_ITEMS_KEPT, coverage: TallyCoverage = 'all') {
    this.keep = keep;
    this.coverage = coverage;
  }

  /** True when some grader reported several metrics: per-criterion rates then come from the items. */
  get hasMetrics(): boolean {
    for (const tally of this.criteria.values()) if (tally.metric !== null) return true;
    return false;
  }

  /** An item's keys and outcome as the tally holds them; a subclass may hand back a richer object it keeps anyway. */
  protected keyOf(record: ItemRecord): ItemOutcomeKey {
    return { id: record.datasourceItemId, contentHash: record.contentHash, outcome: record.outcome };
  }

  add(record: ItemRecord): void {
    this.counts.total++;
    this.keys.push(this.keyOf(record));
    if (record.outcome === 'pass') this.counts.passed++;
    else if (record.outcome === 'error') this.counts.errored++;
    else if (record.outcome === 'skipped') this.counts.skipped++;
    else this.counts.failed++;

    for (const grade of record.grades) {
      // No verdict (Azure's null on errored and skipped items) counts in neither column, as the
      // servers' own per-criterion counts do; the score already counts errored items as not passed.
      if (grade.passed === null) continue;
      const key = criterionKey(grade);
      let tally = this.criteria.get(key);
      if (!tally) this.criteria.set(key, (tally = { grader: grade.name, metric: grade.metric, passed: 0, failed: 0 }));
      if (grade.passed) tally.passed++;
      else tally.failed++;
    }

    if (record.outcome === 'pass' || record.outcome === 'skipped') return;
    if (this.failing.length < this.keep) {
      this.failing.push(record);
      this.failingIndexes.push(this.keys.length - 1);
    } else {
      this.failingOmitted++;
    }
  }
}
