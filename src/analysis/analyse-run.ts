import type { CriterionThreshold } from '../input-parsers.js';
import type { ResultCounts, RunSnapshot } from '../evals/run-types.js';
import type { CriterionRate, GateResult, GateStatus } from './gate-result.js';
import type { ItemTally } from './item-tally.js';
import { rate } from './rates.js';
import { decideVerdict } from './verdict.js';

export interface AnalysisInput {
  evalId: string;
  run: RunSnapshot;
  status: GateStatus;
  /** The output items, when they were read (only for completed runs). */
  tally: ItemTally | null;
  threshold: number;
  criteriaThresholds: CriterionThreshold[];
  timeoutMs: number;
  durationMs: number;
  workflowRunUrl: string | null;
}

/** Turns what was read from the API into the gate's result: counts, rates, the verdict and its reasons. */
export function analyseRun(input: AnalysisInput): GateResult {
  const { run, tally } = input;
  const counts: ResultCounts = tally ? { ...tally.counts } : { ...run.resultCounts };
  const score = scoreOf(counts);
  const { criteria, unknownCriteria } = criterionRates(run, tally, input.criteriaThresholds);
  // A run that never completed has no criteria to match; its real failure is reason enough.
  const judged = input.status === 'completed' && counts.total - counts.skipped > 0;
  return {
    evalId: input.evalId,
    run,
    status: input.status,
    counts,
    score,
    threshold: input.threshold,
    criteria,
    failingItems: tally ? tally.failing : [],
    failingItemsOmitted: tally ? tally.failingOmitted : 0,
    countsNote: tally ? compareCounts(run.resultCounts, tally.counts) : null,
    verdict: decideVerdict({
      status: input.status,
      runError: run.error,
      counts,
      score,
      threshold: input.threshold,
      criteria,
      unknownCriteria: judged ? unknownCriteria : [],
      timeoutMs: input.timeoutMs,
    }),
    durationMs: input.durationMs,
    links: { report: run.reportUrl, workflowRun: input.workflowRunUrl },
  };
}

/** passed / graded items, errored items counting as not passed; skipped items (Azure) were not graded. */
export function scoreOf(counts: ResultCounts): number {
  const graded = counts.total - counts.skipped;
  return graded > 0 ? counts.passed / graded : 0;
}

/**
 * Per-criterion rates: the run's own `per_testing_criteria_results` when it has them, else what the
 * items say; and what the items say when a grader reported several metrics (Azure), which the run's
 * per-grader counts cannot show. A threshold matches a criterion by name or full grader id, and a
 * grader's name matches each of its metrics.
 */
function criterionRates(
  run: RunSnapshot,
  tally: ItemTally | null,
  thresholds: CriterionThreshold[],
): { criteria: CriterionRate[]; unknownCriteria: string[] } {
  const fromItems = tally !== null && (tally.hasMetrics || run.perCriterion.length === 0);
  const base = fromItems
    ? [...tally.criteria.entries()].map(([key, entry]) => ({ id: key, name: key, grader: entry.grader, metric: entry.metric, passed: entry.passed, failed: entry.failed }))
    : run.perCriterion.map((entry) => ({ id: entry.id, name: entry.name, grader: entry.name, metric: null, passed: entry.passed, failed: entry.failed }));
  const used = new Set<string>();
  const criteria = base.map(({ grader, ...entry }) => {
    const match =
      thresholds.find((threshold) => threshold.name === entry.id || threshold.name === entry.name) ??
      thresholds.find((threshold) => threshold.name === grader);
    if (match) used.add(match.name);
    return { ...entry, rate: rate(entry.passed, entry.passed + entry.failed), min: match ? match.min : null };
  });
  return { criteria, unknownCriteria: thresholds.filter((threshold) => !used.has(threshold.name)).map((threshold) => threshold.name) };
}

function compareCounts(reported: ResultCounts, read: ResultCounts): string | null {
  const same =
    reported.total === read.total &&
    reported.passed === read.passed &&
    reported.failed === read.failed &&
    reported.errored === read.errored &&
    reported.skipped === read.skipped;
  if (same) return null;
  const show = (counts: ResultCounts) =>
    `${counts.total} total (${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored${counts.skipped ? `, ${counts.skipped} skipped` : ''})`;
  return `The run's result_counts say ${show(reported)}, but its output items show ${show(read)}. The score is computed from the output items.`;
}
