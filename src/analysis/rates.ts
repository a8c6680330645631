export function rate(passed: number, total: number): number | null {
  return total > 0 ? passed / total : null;
}

/** `92.5%`: one decimal, as every report and reason shows rates; `—` when there is no rate. */
export function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

/**
 * Two different rates with just enough decimals (up to four) to tell them apart, so a score just under
 * its threshold never reads `90.0%` against `90.0%`. Equal rates read the same, at one decimal.
 */
export function distinctPercents(a: number, b: number): [string, string] {
  if (a === b || !Number.isFinite(a) || !Number.isFinite(b)) return [percent(a), percent(b)];
  for (let decimals = 1; decimals <= 4; decimals++) {
    const left = (a * 100).toFixed(decimals);
    const right = (b * 100).toFixed(decimals);
    if (left !== right || decimals === 4) return [`${left}%`, `${right}%`];
  }
  return [percent(a), percent(b)];
}
