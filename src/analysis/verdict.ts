import type { ResultCounts } from '../evals-api/run-types.js';
import type { CriterionRate, GateStatus, Verdict } from './gate-result.js';
import { distinctPercents, percent } from './rates.js';
import type { RegressionJudgement } from './regression-verdict.js';

export interface VerdictInput {
  status: GateStatus;
  runError: { code: string; message: string } | null;
  counts: ResultCounts;
  score: number;
  threshold: number;
  criteria: CriterionRate[];
  /** `criteria-thresholds` names that match no criterion of the run. */
  unknownCriteria: string[];
  timeoutMs: number;
  /** What the regression limits say, when there is a baseline. */
  regression?: RegressionJudgement | null;
}

/** The gate's decision, with every reason for it. */
export function decideVerdict(input: VerdictInput): Verdict {
  const reasons: string[] = [];
  switch (input.status) {
    case 'timeout':
      reasons.push(`The run did not finish within timeout-minutes (${formatMinutes(input.timeoutMs)}).`);
      break;
    case 'failed':
      reasons.push(`The run ended with status "failed"${input.runError ? `: ${describeRunError(input.runError)}` : '.'}`);
      break;
    case 'canceled':
      reasons.push('The run was canceled before it completed.');
      break;
    case 'completed':
      break;
  }
  const graded = input.counts.total - input.counts.skipped;
  if (input.status === 'completed' && input.counts.total === 0) {
    reasons.push('The run has no items: nothing was evaluated.');
  } else if (input.status === 'completed' && graded <= 0) {
    reasons.push(`All ${input.counts.total} items were skipped: nothing was graded.`);
  }
  const judged = input.status === 'completed' && graded > 0;
  if (judged && input.score < input.threshold) {
    const [score, threshold] = distinctPercents(input.score, input.threshold);
    reasons.push(`Score ${score} is below the threshold ${threshold}.`);
  }
  for (const criterion of input.criteria) {
    if (!judged || criterion.min === null) continue;
    if (criterion.rate === null) {
      reasons.push(`Criterion "${criterion.name}" graded no items, so its minimum ${percent(criterion.min)} is not met.`);
    } else if (criterion.rate < criterion.min) {
      const [value, min] = distinctPercents(criterion.rate, criterion.min);
      reasons.push(`Criterion "${criterion.name}" passed ${value}, below its minimum ${min}.`);
    }
  }
  if (judged && input.regression) reasons.push(...input.regression.failures);
  for (const name of input.unknownCriteria) {
    const known = input.criteria.map((criterion) => `"${criterion.name}"`).join(', ') || 'none';
    reasons.push(`criteria-thresholds names "${name}", which is not a criterion of this run (criteria: ${known}).`);
  }
  const notes = judged && input.regression ? input.regression.notes : [];
  if (reasons.length > 0) return { result: 'fail', reasons: [...reasons, ...notes] };

  const passing = [`Score ${percent(input.score)} meets the threshold ${percent(input.threshold)}.`];
  const checked = input.criteria.filter((criterion) => criterion.min !== null).length;
  if (checked === 1) passing.push('The criterion with a minimum meets it.');
  if (checked > 1) passing.push(`All ${checked} criteria with a minimum meet theirs.`);
  return { result: 'pass', reasons: [...passing, ...notes] };
}

function describeRunError(error: { code: string; message: string }): string {
  return [error.code, error.message].filter(Boolean).join(': ');
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(2)} min`;
}
