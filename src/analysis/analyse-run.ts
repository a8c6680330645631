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
  const score = counts.total > 0 ? counts.passed / counts.total : 0;
  const { criteria, unknownCriteria } = criterionRates(run, tally, input.criteriaThresholds);
  // A run that never completed has no criteria to match; its real failure is reason enough.
  const judged = input.status === 'completed' && counts.total > 0;
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

/**
 * Per-criterion rates: the run's own `per_testing_criteria_results` when it has them, else what the
 * items say. Thresholds match a criterion by name or by full grader id.
 */
function criterionRates(
  run: RunSnapshot,
  tally: ItemTally | null,
  thresholds: CriterionThreshold[],
): { criteria: CriterionRate[]; unknownCriteria: string[] } {
  const base =
    run.perCriterion.length > 0
      ? run.perCriterion.map((entry) => ({ id: entry.id, name: entry.name, passed: entry.passed, failed: entry.failed }))
      : [...(tally?.criteria ?? new Map()).entries()].map(([name, counts]) => ({ id: name, name, ...counts }));
  const used = new Set<string>();
  const criteria = base.map((entry) => {
    const match = thresholds.find((threshold) => threshold.name === entry.id || threshold.name === entry.name);
    if (match) used.add(match.name);
    return { ...entry, rate: rate(entry.passed, entry.passed + entry.failed), min: match ? match.min : null };
  });
  return { criteria, unknownCriteria: thresholds.filter((threshold) => !used.has(threshold.name)).map((threshold) => threshold.name) };
}

function compareCounts(reported: ResultCounts, read: ResultCounts): string | null {
  const same =
    reported.total === read.total && reported.passed === read.passed && reported.failed === read.failed && reported.errored === read.errored;
  if (same) return null;
  const show = (counts: ResultCounts) =>
    `${counts.total} total (${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored)`;
  return `The run's result_counts say ${show(reported)}, but its output items show ${show(read)}. The score is computed from the output items.`;
}
