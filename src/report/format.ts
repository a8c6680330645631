// Number and label formatting shared by the reports. Plain values in, display strings out.

const NONE = '—';

/** Rates are formatted in one place (the analysis states them in its reasons too). */
export { percent as formatPercent, distinctPercents as formatPercentPair } from '../analysis/rates.js';

/** `10,000`: thousands separated by commas, independent of the machine's locale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `850ms`, `42s`, `2m10s`, `1h05m`: compact wall time. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return NONE;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A grader score as the API gave it, on whatever scale: at most three decimals, `—` when absent. */
export function formatScore(score: number | null): string {
  if (score === null || !Number.isFinite(score)) return NONE;
  return String(Number(score.toFixed(3)));
}

/**
 * Display labels for criteria: the readable name, or the full grader id where two criteria share a
 * name (two graders named alike differ only by their uuid). The labels are untrusted: escape them.
 */
export function criterionLabels(criteria: readonly { id: string; name: string }[]): string[] {
  const uses = new Map<string, number>();
  for (const criterion of criteria) uses.set(criterion.name, (uses.get(criterion.name) ?? 0) + 1);
  return criteria.map((criterion) => ((uses.get(criterion.name) ?? 0) > 1 ? criterion.id : criterion.name));
}

/** A markdown table from cells already escaped; `align` is the separator row (`---`, `---:`, `:---:`). */
export function markdownTable(header: readonly string[], align: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}
