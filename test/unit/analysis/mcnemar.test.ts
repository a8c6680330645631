import { describe, expect, it } from 'vitest';
import { isSignificant, mcnemarExactPValue } from '../../../src/analysis/mcnemar.ts';

/** Relative closeness: the log-space computation is exact to far better than 1e-10 of the value. */
function expectNear(actual: number, expected: number, relative = 1e-10): void {
  expect(Number.isNaN(actual)).toBe(false);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative);
}

/** The definition, with exact integer arithmetic: fine for small tables. */
function exactPValue(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let binomial = 1n;
  let sum = 0n;
  for (let k = 0; k <= Math.min(b, c); k++) {
    sum += binomial;
    binomial = (binomial * BigInt(n - k)) / BigInt(k + 1);
  }
  return Math.min(1, (2 * Number(sum)) / 2 ** n);
}

/** The definition by another route: a running log of the binomial terms, summed with log-sum-exp. */
function logSpacePValue(b: number, c: number): number {
  const n = b + c;
  const logTerms: number[] = [];
  let logBinomial = 0;
  for (let k = 0; k <= Math.min(b, c); k++) {
    logTerms.push(logBinomial);
    logBinomial += Math.log(n - k) - Math.log(k + 1);
  }
  const top = Math.max(...logTerms);
  const logSum = top + Math.log(logTerms.reduce((sum, term) => sum + Math.exp(term - top), 0));
  return Math.min(1, Math.exp(Math.LN2 + logSum - n * Math.LN2));
}

describe('mcnemarExactPValue', () => {
  it('is 1 when no item changed', () => {
    expect(mcnemarExactPValue(0, 0)).toBe(1);
  });

  it('matches hand-computed tables', () => {
    expectNear(mcnemarExactPValue(5, 0), 2 / 32);
    expectNear(mcnemarExactPValue(6, 0), 0.03125);
    expectNear(mcnemarExactPValue(7, 1), (2 * (1 + 8)) / 256);
    expectNear(mcnemarExactPValue(7, 1), 0.0703125);
    expectNear(mcnemarExactPValue(10, 2), (2 * (1 + 12 + 66)) / 4096);
    expectNear(mcnemarExactPValue(1, 0), 1);
  });

  it('caps the doubled tail at 1 when regressions and fixes balance', () => {
    expect(mcnemarExactPValue(3, 3)).toBe(1);
    expect(mcnemarExactPValue(4, 3)).toBe(1);
    expect(mcnemarExactPValue(1, 1)).toBe(1);
  });

  it('is symmetric in regressions and fixes', () => {
    for (const [b, c] of [[5, 0], [7, 1], [10, 2], [40, 17], [600, 400]] as const) {
      expect(mcnemarExactPValue(b, c)).toBe(mcnemarExactPValue(c, b));
    }
  });

  it('agrees with exact integer arithmetic on every table up to n = 60', () => {
    for (let n = 1; n <= 60; n++) {
      for (let b = 0; b <= n; b++) expectNear(mcnemarExactPValue(b, n - b), exactPValue(b, n - b), 1e-11);
    }
  });

  it('agrees with exact arithmetic where plain doubles would overflow (n = 1,500)', () => {
    // 2^1500 and C(1500, 700) are far beyond the largest double; BigInt keeps them exact.
    const b = 800;
    const c = 700;
    const n = b + c;
    let binomial = 1n;
    let sum = 0n;
    for (let k = 0; k <= c; k++) {
      sum += binomial;
      binomial = (binomial * BigInt(n - k)) / BigInt(k + 1);
    }
    // p = 2·sum / 2^n, scaled down to 18 significant digits before leaving BigInt.
    const scale = 10n ** 18n;
    const expected = Number((2n * sum * scale) / 2n ** BigInt(n)) / Number(scale);
    expectNear(mcnemarExactPValue(b, c), expected, 1e-9);
  });

  it('stays finite and sound for large runs', () => {
    const lopsided = mcnemarExactPValue(600, 400);
    expect(lopsided).toBeGreaterThan(0);
    expect(lopsided).toBeLessThan(1e-9);
    // Normal approximation: z = 200/√1000 ≈ 6.32, two-sided tail ≈ 2.5e-10.
    expect(lopsided).toBeGreaterThan(1e-11);

    expectNear(mcnemarExactPValue(50_000, 50_000), 1, 1e-9);
    const nearlyBalanced = mcnemarExactPValue(1000, 1000);
    expect(nearlyBalanced).toBeGreaterThan(0.99);
    expect(nearlyBalanced).toBeLessThanOrEqual(1);

    // One regression more than fixes among 100,000 changes: no evidence at all.
    expect(mcnemarExactPValue(50_001, 49_999)).toBeGreaterThan(0.99);
    // 1,000 more regressions than fixes among 100,000 changes: with the continuity correction
    // z = 999/√100000 ≈ 3.159, and the normal two-sided tail there is ≈ 0.00158.
    const shifted = mcnemarExactPValue(50_500, 49_500);
    expect(shifted).toBeGreaterThan(0.0015);
    expect(shifted).toBeLessThan(0.0017);
  });

  it('agrees with a running log-sum-exp of the binomial terms up to n = 100,000', () => {
    for (const [b, c] of [[600, 400], [5_200, 4_800], [50_500, 49_500], [51_000, 49_000], [70_000, 30_000]] as const) {
      expectNear(mcnemarExactPValue(b, c), logSpacePValue(b, c), 1e-6);
    }
  });

  it('underflows to 0, never to NaN, when the evidence is overwhelming', () => {
    expect(mcnemarExactPValue(100_000, 0)).toBe(0);
    const tiny = mcnemarExactPValue(1_000, 0);
    expect(tiny).toBeGreaterThan(0);
    expectNear(tiny, 2 * 2 ** -1000, 1e-9);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => mcnemarExactPValue(-1, 0)).toThrow(RangeError);
    expect(() => mcnemarExactPValue(1.5, 0)).toThrow(RangeError);
    expect(() => mcnemarExactPValue(0, Number.NaN)).toThrow(RangeError);
  });
});

describe('isSignificant', () => {
  it('is true only below the level', () => {
    expect(isSignificant(0.03125, 0.05)).toBe(true);
    expect(isSignificant(0.05, 0.05)).toBe(false);
    expect(isSignificant(0.0703125, 0.05)).toBe(false);
    expect(isSignificant(0, 0.05)).toBe(true);
    expect(isSignificant(Number.NaN, 0.05)).toBe(false);
  });
});
