import type { ItemRecord, ResultCounts } from '../evals/run-types.js';

/** Failing items kept with their texts; beyond this they are only counted (memory stays bounded). */
export const FAILING_ITEMS_KEPT = 5000;

export interface CriterionTally {
  passed: number;
  failed: number;
}

/**
 * Counts items as they stream in. Passing items leave only a count behind; failing and errored ones
 * are kept (up to a cap) for the reports.
 */
export class ItemTally {
  readonly counts: ResultCounts = { total: 0, passed: 0, failed: 0, errored: 0 };
  readonly criteria = new Map<string, CriterionTally>();
  readonly failing: ItemRecord[] = [];
  failingOmitted = 0;
  private readonly keep: number;

  constructor(keep = FAILING_ITEMS_KEPT) {
    this.keep = keep;
  }

  add(record: ItemRecord): void {
    this.counts.total++;
    if (record.outcome === 'pass') this.counts.passed++;
    else if (record.outcome === 'error') this.counts.errored++;
    else this.counts.failed++;

    for (const grade of record.grades) {
      let tally = this.criteria.get(grade.name);
      if (!tally) this.criteria.set(grade.name, (tally = { passed: 0, failed: 0 }));
      // A grader that could not decide (Azure's null on errors) did not pass.
      if (grade.passed === true) tally.passed++;
      else tally.failed++;
    }

    if (record.outcome === 'pass') return;
    if (this.failing.length < this.keep) this.failing.push(record);
    else this.failingOmitted++;
  }
}
