import type { ScoreDrop } from '../settings/settings.js';
import { formatPValue } from './compare-runs.js';
import { percent } from './rates.js';

/** What the limits need from a comparison with the baseline. */
export interface ComparedScores {
  baselineScore: number;
  currentScore: number;
  mcnemar: { regressions: number; fixes: number; pValue: number };
}

export interface RegressionLimits {
  maxRegressions: number | null;
  maxScoreDrop: ScoreDrop | null;
  minSignificance: number | null;
}

export interface RegressionJudgement {
  /** Limits broken by a change that counts: each fails the gate. */
  failures: string[];
  /** Limits broken by a change too small to trust (not significant at min-significance): said, not failed. */
  notes: string[];
}

/** The baseline's branch, for messages: `vs main`. */
export function judgeRegressions(compared: ComparedScores, limits: RegressionLimits, baselineLabel: string): RegressionJudgement {
  const failures: string[] = [];
  const notes: string[] = [];
  const { regressions, fixes, pValue } = compared.mcnemar;
  const significant = limits.minSignificance === null || pValue < limits.minSignificance;
  const odds = `${regressions} regressed and ${fixes} fixed, ${formatPValue(pValue)}`;
  const judge = (broken: string) => {
    if (significant) failures.push(`${broken} (${odds}).`);
    else notes.push(`${broken}, but the change is not significant at min-significance ${limits.minSignificance} (${odds}): not failing the gate.`);
  };

  if (limits.maxRegressions !== null && regressions > limits.maxRegressions) {
    judge(`${regressions} ${regressions === 1 ? 'item' : 'items'} regressed ${baselineLabel}, more than max-regressions ${limits.maxRegressions} allows`);
  }
  if (limits.maxScoreDrop !== null) {
    const drop = compared.baselineScore - compared.currentScore;
    const allowed = limits.maxScoreDrop.unit === 'points' ? limits.maxScoreDrop.value : limits.maxScoreDrop.value * compared.baselineScore;
    // A hair of tolerance: 0.9 − 0.88 is not exactly 0.02 in floating point.
    if (drop > allowed + 1e-9) {
      const limit = limits.maxScoreDrop.unit === 'points' ? `${points(limits.maxScoreDrop.value)} pts` : `${percent(limits.maxScoreDrop.value)} of the baseline's score`;
      judge(`The score dropped ${points(drop)} pts ${baselineLabel} (${percent(compared.baselineScore)} → ${percent(compared.currentScore)}), more than max-score-drop ${limit} allows`);
    }
  }
  return { failures, notes };
}

function points(fraction: number): string {
  return (fraction * 100).toFixed(1);
}
