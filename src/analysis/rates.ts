export function rate(passed: number, total: number): number | null {
  return total > 0 ? passed / total : null;
}

/** `92.5%`: one decimal, as every report and reason shows rates. */
export function percent(value: number | null): string {
  if (value === null) return '—';
  const text = (Math.round(value * 1000) / 10).toFixed(1);
  return `${text}%`;
}
