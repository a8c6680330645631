import type { BaselineInput } from '../analysis/analyse-run.js';
import { FAILING_ITEMS_KEPT, ItemTally } from '../analysis/item-tally.js';
import type { GradeRecord, ItemRecord, RunSnapshot } from '../evals-api/run-types.js';
import type { RecordItem, ResultsRecord } from '../history/record-format.js';
import { STATE_LETTERS } from '../history/record-format.js';

/** How a report names a record it compares with: its branch, commit, whether it is the base commit's, its age. */
export interface RecordBaselineLabel {
  /** `vs main`, `vs the previous run`. */
  label: string;
  /** e.g. `the base commit's record` or `the newest record`. */
  which: string;
  /** The record's age in whole days or hours, e.g. `2 days old`. */
  age: string | null;
  /** A link to the workflow run that made it. */
  url: string | null;
}

/**
 * A stored record as the analysis's baseline: its counts, per-criterion counts and items' outcomes
 * (the comparison pairs by these), and its failing items as records without texts, so that the report
 * can list fixed items by id and verdicts. A record of failing items alone gives a tally of those, its
 * header's counts and per-criterion results standing for the rest, as a run object's do.
 */
export function recordAsBaseline(record: ResultsRecord, currentDataset: string, naming: RecordBaselineLabel): BaselineInput {
  const { header } = record;
  const tally = new ItemTally(FAILING_ITEMS_KEPT, header.items.kept);
  Object.assign(tally.counts, header.counts);
  header.items.criteria.forEach((name, column) => {
    let passed = 0;
    let failed = 0;
    for (const item of record.items) {
      const state = item.states[column];
      if (state === STATE_LETTERS.passed) passed++;
      else if (state === STATE_LETTERS.failed) failed++;
    }
    tally.criteria.set(name, { grader: name, metric: null, passed, failed });
  });
  record.items.forEach((item, index) => {
    tally.keys.push({ id: item.id, contentHash: item.contentHash, outcome: item.outcome });
    if (item.outcome !== 'fail' && item.outcome !== 'error') return;
    if (tally.failing.length < FAILING_ITEMS_KEPT) {
      tally.failing.push(bareRecord(item, index, header.items.criteria));
      tally.failingIndexes.push(index);
    } else {
      tally.failingOmitted++;
    }
  });
  const sha = header.sha?.slice(0, 7) ?? '';
  const name = [`${header.branch ?? 'record'}${sha ? ` · ${sha}` : ''}`, naming.which, naming.age].filter(Boolean).join(', ');
  const run: RunSnapshot = {
    id: header.run.id,
    evalId: header.eval.id,
    name,
    status: 'completed',
    model: null,
    reportUrl: naming.url,
    createdAt: Math.floor(Date.parse(header.created_at) / 1000),
    resultCounts: { ...header.counts },
    // The record's per-criterion counts are the report's names already (grader, or grader/metric).
    perCriterion: header.criteria.map((criterion) => ({ id: criterion.name, name: criterion.name, passed: criterion.passed, failed: criterion.failed })),
    usage: [],
    error: null,
    metadata: {},
  };
  return { run, branch: header.branch, label: naming.label, tally, sameDataset: header.dataset.fingerprint === currentDataset };
}

function bareRecord(item: RecordItem, index: number, criteria: string[]): ItemRecord {
  const grades: GradeRecord[] = criteria.map((name, column) => {
    const state = item.states[column];
    return { name, type: null, metric: null, passed: state === 'p' ? true : state === 'f' ? false : null, score: null, threshold: null, label: null, reason: null };
  });
  return {
    id: `record-item-${index}`,
    datasourceItemId: item.id,
    contentHash: item.contentHash,
    outcome: item.outcome,
    input: null,
    expected: null,
    output: null,
    error: null,
    grades: grades.filter((grade) => grade.passed !== null),
  };
}

/** An age for people: `3 hours old`, `2 days old`, `less than an hour old`. */
export function describeAge(createdAt: string, now: number): string | null {
  const then = Date.parse(createdAt);
  if (Number.isNaN(then)) return null;
  const hours = Math.floor((now - then) / 3_600_000);
  if (hours < 1) return 'less than an hour old';
  if (hours < 48) return `${hours} ${hours === 1 ? 'hour' : 'hours'} old`;
  return `${Math.floor(hours / 24)} days old`;
}
