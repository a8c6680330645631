import { describe, expect, it } from 'vitest';
import { formatPValue } from '../../../src/analysis/compare-runs.ts';
import { mcnemarExactPValue } from '../../../src/analysis/mcnemar.ts';
import { type ComparedScores, judgeRegressions, type RegressionLimits } from '../../../src/analysis/regression-verdict.ts';
import { parseScoreDrop } from '../../../src/settings/input-parsers.ts';

const LABEL = 'vs main';
const NO_LIMITS: RegressionLimits = { maxRegressions: null, maxScoreDrop: null, minSignificance: null };

/** Scores and McNemar counts; the p-value is the real one for the counts unless given. */
function compared(baselineScore: number, currentScore: number, regressions: number, fixes: number, pValue?: number): ComparedScores {
  return { baselineScore, currentScore, mcnemar: { regressions, fixes, pValue: pValue ?? mcnemarExactPValue(regressions, fixes) } };
}

function limits(overrides: Partial<RegressionLimits>): RegressionLimits {
  return { ...NO_LIMITS, ...overrides };
}

describe('judgeRegressions: no limits', () => {
  it('says nothing when no limit is set, however bad the change', () => {
    expect(judgeRegressions(compared(1, 0, 500, 0), NO_LIMITS, LABEL)).toEqual({ failures: [], notes: [] });
  });
});

describe('judgeRegressions: max-regressions', () => {
  it('fails when more items regressed than allowed, naming the limit, the counts and the p-value', () => {
    // 3 regressions, no fix: p = 2 · (1/2)³ = 0.25.
    const judgement = judgeRegressions(compared(0.9, 0.87, 3, 0), limits({ maxRegressions: 2 }), LABEL);
    expect(judgement).toEqual({
      failures: ['3 items regressed vs main, more than max-regressions 2 allows (3 regressed and 0 fixed, p = 0.250).'],
      notes: [],
    });
  });

  it('passes exactly at the limit and below it', () => {
    expect(judgeRegressions(compared(0.9, 0.88, 2, 0), limits({ maxRegressions: 2 }), LABEL)).toEqual({ failures: [], notes: [] });
    expect(judgeRegressions(compared(0.9, 0.9, 1, 1), limits({ maxRegressions: 2 }), LABEL)).toEqual({ failures: [], notes: [] });
  });

  it('says "item" for a single regression, and treats max-regressions 0 as "none allowed"', () => {
    expect(judgeRegressions(compared(1, 0.99, 1, 0), limits({ maxRegressions: 0 }), LABEL).failures).toEqual([
      '1 item regressed vs main, more than max-regressions 0 allows (1 regressed and 0 fixed, p = 1.000).',
    ]);
    expect(judgeRegressions(compared(1, 1, 0, 0), limits({ maxRegressions: 0 }), LABEL)).toEqual({ failures: [], notes: [] });
  });

  it('counts regressions, not the net change: fixes do not offset them', () => {
    // 12 regressions and 12 fixes leave the score unchanged, yet 12 items regressed.
    const judgement = judgeRegressions(compared(0.8, 0.8, 12, 12), limits({ maxRegressions: 10 }), LABEL);
    expect(judgement.failures).toEqual(['12 items regressed vs main, more than max-regressions 10 allows (12 regressed and 12 fixed, p = 1.000).']);
  });

  it('uses the label it is given', () => {
    const judgement = judgeRegressions(compared(0.9, 0.8, 5, 0, 0.0625), limits({ maxRegressions: 1 }), 'vs release/2.0');
    expect(judgement.failures).toEqual(['5 items regressed vs release/2.0, more than max-regressions 1 allows (5 regressed and 0 fixed, p = 0.062).']);
  });
});

describe('judgeRegressions: max-score-drop in points', () => {
  it('fails when the score dropped more points than allowed', () => {
    const judgement = judgeRegressions(compared(0.9, 0.85, 6, 1), limits({ maxScoreDrop: { unit: 'points', value: 0.02 } }), LABEL);
    expect(judgement).toEqual({
      failures: [
        `The score dropped 5.0 pts vs main (90.0% → 85.0%), more than max-score-drop 2.0 pts allows (6 regressed and 1 fixed, ${formatPValue(mcnemarExactPValue(6, 1))}).`,
      ],
      notes: [],
    });
    // 2 · P(X ≤ 1), X ~ Bin(7, ½) = 2 · 8/128 = 0.125.
    expect(judgement.failures[0]).toContain('p = 0.125');
  });

  it('does not fail a drop of exactly the allowed points, despite floating point (0.90 → 0.88 with 2 points)', () => {
    // 0.9 − 0.88 is 0.020000000000000018 in floating point.
    expect(0.9 - 0.88).toBeGreaterThan(0.02);
    const drop = parseScoreDrop('max-score-drop', '2');
    expect(drop).toEqual({ unit: 'points', value: 0.02 });
    expect(judgeRegressions(compared(0.9, 0.88, 2, 0), limits({ maxScoreDrop: drop }), LABEL)).toEqual({ failures: [], notes: [] });
    expect(judgeRegressions(compared(0.9, 0.88, 2, 0), limits({ maxScoreDrop: { unit: 'points', value: 0.02 } }), LABEL)).toEqual({
      failures: [],
      notes: [],
    });
  });

  it('fails a drop just over the allowed points', () => {
    // 0.9 → 0.879 is 2.1 points.
    const judgement = judgeRegressions(compared(0.9, 0.879, 3, 0), limits({ maxScoreDrop: { unit: 'points', value: 0.02 } }), LABEL);
    expect(judgement.failures).toEqual([
      'The score dropped 2.1 pts vs main (90.0% → 87.9%), more than max-score-drop 2.0 pts allows (3 regressed and 0 fixed, p = 0.250).',
    ]);
  });

  it('never fails a score that rose or stayed put', () => {
    const zero = limits({ maxScoreDrop: { unit: 'points', value: 0 } });
    expect(judgeRegressions(compared(0.8, 0.9, 0, 10), zero, LABEL)).toEqual({ failures: [], notes: [] });
    expect(judgeRegressions(compared(0.8, 0.8, 3, 3), zero, LABEL)).toEqual({ failures: [], notes: [] });
  });
});

describe('judgeRegressions: max-score-drop in percent of the baseline', () => {
  it("fails when the score dropped more than the allowed fraction of the baseline's score", () => {
    // 10% of 0.8 is 0.08; the drop is 0.1.
    const judgement = judgeRegressions(compared(0.8, 0.7, 10, 0), limits({ maxScoreDrop: { unit: 'percent', value: 0.1 } }), LABEL);
    expect(judgement).toEqual({
      failures: [
        "The score dropped 10.0 pts vs main (80.0% → 70.0%), more than max-score-drop 10.0% of the baseline's score allows (10 regressed and 0 fixed, p = 0.001).",
      ],
      notes: [],
    });
  });

  it('scales with the baseline: the same drop in points passes against a higher baseline', () => {
    const tenPercent = limits({ maxScoreDrop: { unit: 'percent', value: 0.1 } });
    // 0.8 → 0.72 is exactly 10% of the baseline (0.08): allowed.
    expect(judgeRegressions(compared(0.8, 0.72, 8, 0), tenPercent, LABEL)).toEqual({ failures: [], notes: [] });
    // 0.9 → 0.81 is exactly 10% of 0.9: allowed, despite floating point.
    expect(judgeRegressions(compared(0.9, 0.81, 9, 0), tenPercent, LABEL)).toEqual({ failures: [], notes: [] });
    // 0.5 → 0.44 is 6 points but 12% of the baseline: too much.
    expect(judgeRegressions(compared(0.5, 0.44, 6, 0), tenPercent, LABEL).failures).toHaveLength(1);
  });

  it('reads a parsed "2%" as 2% of the baseline, not 2 points', () => {
    const drop = parseScoreDrop('max-score-drop', '2%');
    expect(drop).toEqual({ unit: 'percent', value: 0.02 });
    // 2% of 0.5 is 1 point; 0.5 → 0.485 drops 1.5 points.
    const judgement = judgeRegressions(compared(0.5, 0.485, 3, 0), limits({ maxScoreDrop: drop }), LABEL);
    expect(judgement.failures).toEqual([
      "The score dropped 1.5 pts vs main (50.0% → 48.5%), more than max-score-drop 2.0% of the baseline's score allows (3 regressed and 0 fixed, p = 0.250).",
    ]);
  });
});

describe('judgeRegressions: min-significance', () => {
  const bothLimits = { maxRegressions: 2, maxScoreDrop: { unit: 'points', value: 0.02 } } as const;

  it('turns broken limits into notes when the change is not significant (p ≥ level)', () => {
    // 3 regressions, no fix: p = 0.25, not below 0.05.
    const judgement = judgeRegressions(compared(0.9, 0.85, 3, 0), limits({ ...bothLimits, minSignificance: 0.05 }), LABEL);
    expect(judgement).toEqual({
      failures: [],
      notes: [
        '3 items regressed vs main, more than max-regressions 2 allows, but the change is not significant at min-significance 0.05 (3 regressed and 0 fixed, p = 0.250): not failing the gate.',
        'The score dropped 5.0 pts vs main (90.0% → 85.0%), more than max-score-drop 2.0 pts allows, but the change is not significant at min-significance 0.05 (3 regressed and 0 fixed, p = 0.250): not failing the gate.',
      ],
    });
  });

  it('keeps them failures when the change is significant (p < level)', () => {
    // 10 regressions, no fix: p = 2 / 1024 ≈ 0.00195.
    const judgement = judgeRegressions(compared(0.9, 0.8, 10, 0), limits({ ...bothLimits, minSignificance: 0.05 }), LABEL);
    expect(judgement).toEqual({
      failures: [
        '10 items regressed vs main, more than max-regressions 2 allows (10 regressed and 0 fixed, p = 0.001).',
        'The score dropped 10.0 pts vs main (90.0% → 80.0%), more than max-score-drop 2.0 pts allows (10 regressed and 0 fixed, p = 0.001).',
      ],
      notes: [],
    });
  });

  it('treats a p-value equal to the level as not significant', () => {
    const judgement = judgeRegressions(compared(0.9, 0.8, 5, 0, 0.05), limits({ maxRegressions: 2, minSignificance: 0.05 }), LABEL);
    expect(judgement.failures).toEqual([]);
    expect(judgement.notes).toEqual([
      '5 items regressed vs main, more than max-regressions 2 allows, but the change is not significant at min-significance 0.05 (5 regressed and 0 fixed, p = 0.050): not failing the gate.',
    ]);
  });

  it('fails just below the level, and shows the cut (not rounded) p-value', () => {
    const judgement = judgeRegressions(compared(0.9, 0.8, 5, 0, 0.0499), limits({ maxRegressions: 2, minSignificance: 0.05 }), LABEL);
    expect(judgement.notes).toEqual([]);
    expect(judgement.failures).toEqual(['5 items regressed vs main, more than max-regressions 2 allows (5 regressed and 0 fixed, p = 0.049).']);
  });

  it('shows a tiny p-value as p < 0.001', () => {
    const judgement = judgeRegressions(compared(0.95, 0.5, 450, 0), limits({ maxRegressions: 0, minSignificance: 0.01 }), LABEL);
    expect(judgement.failures).toEqual(['450 items regressed vs main, more than max-regressions 0 allows (450 regressed and 0 fixed, p < 0.001).']);
  });

  it('says nothing when no limit is broken, significant or not', () => {
    expect(judgeRegressions(compared(0.9, 0.9, 1, 1), limits({ ...bothLimits, minSignificance: 0.05 }), LABEL)).toEqual({ failures: [], notes: [] });
    expect(judgeRegressions(compared(0.9, 0.5, 40, 0), limits({ minSignificance: 0.05 }), LABEL)).toEqual({ failures: [], notes: [] });
  });

  it('keeps the failures when no level is set, whatever the p-value', () => {
    const judgement = judgeRegressions(compared(0.9, 0.88, 3, 2), limits({ maxRegressions: 2 }), LABEL);
    expect(judgement).toEqual({
      failures: ['3 items regressed vs main, more than max-regressions 2 allows (3 regressed and 2 fixed, p = 1.000).'],
      notes: [],
    });
  });
});
