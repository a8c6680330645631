// The exact McNemar test for paired pass/fail outcomes: of the items whose outcome changed between two
// runs, are regressions and fixes about as likely as a fair coin would make them? Items that kept their
// outcome carry no information about the difference and do not enter the test.

/** ln(k!) for small k, summed exactly once; above this Stirling's series is accurate to ~1e-15. */
const SMALL_FACTORIALS = 32;
const LN_FACTORIAL: readonly number[] = (() => {
  const table = [0];
  for (let k = 1; k < SMALL_FACTORIALS; k++) table.push(table[k - 1]! + Math.log(k));
  return table;
})();
const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln(n!) for a non-negative integer n, without ever forming n! (which overflows past 170). */
function lnFactorial(n: number): number {
  const small = LN_FACTORIAL[n];
  if (small !== undefined) return small;
  const inverse = 1 / n;
  const inverseSquared = inverse * inverse;
  // Stirling's series; the first omitted term is below 1/(1680·32⁷) ≈ 2e-14.
  const correction = inverse * (1 / 12 - inverseSquared * (1 / 360 - inverseSquared / 1260));
  return n * Math.log(n) - n + HALF_LN_TWO_PI + 0.5 * Math.log(n) + correction;
}

function lnBinomial(n: number, k: number): number {
  return lnFactorial(n) - lnFactorial(k) - lnFactorial(n - k);
}

/**
 * Σ_{k=0}^{m} C(n,k) / C(n,m) for m ≤ n/2, summed from the largest term down. Each term is the one above
 * times k/(n−k+1) ≤ 1, so nothing overflows, and the sum stops once the terms no longer change it.
 */
function tailRatioSum(n: number, m: number): number {
  let term = 1;
  let sum = 1;
  for (let k = m; k >= 1; k--) {
    term *= k / (n - k + 1);
    sum += term;
    if (term < sum * Number.EPSILON * 0.01) break;
  }
  return sum;
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Two-sided exact McNemar p-value for `regressions` (passed in the baseline, not now) against `fixes`
 * (not passed in the baseline, passed now): p = min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, ½).
 * 1 when nothing changed. Computed in log space, so it stays finite for any count a run can have; a
 * p-value below the smallest double (about 1e-308, e.g. 1,100 regressions and no fix) reads 0.
 */
export function mcnemarExactPValue(regressions: number, fixes: number): number {
  checkCount('regressions', regressions);
  checkCount('fixes', fixes);
  const n = regressions + fixes;
  if (n === 0) return 1;
  const m = Math.min(regressions, fixes);
  const lnP = Math.LN2 + lnBinomial(n, m) + Math.log(tailRatioSum(n, m)) - n * Math.LN2;
  // When b = c the two tails overlap in the middle term, so the doubled sum exceeds 1: that is p = 1.
  return lnP >= 0 ? 1 : Math.min(1, Math.exp(lnP));
}

/** Whether a p-value is below the significance level (e.g. 0.05). A NaN p-value is never significant. */
export function isSignificant(pValue: number, level: number): boolean {
  return pValue < level;
}
