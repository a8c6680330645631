/** Anything with HTTP headers: a fetch `Headers`, or the SDK's. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The wait a 429 (or 503) asks for, in milliseconds: `retry-after-ms` (OpenAI's and Azure's), else
 * `retry-after` in seconds or as an HTTP date (compared with `nowMs`, wall-clock time). Null when the
 * headers say nothing usable. One reading for the Evals API, the model endpoints and GitHub.
 */
export function retryAfterMs(headers: HeaderSource | null | undefined, nowMs = Date.now()): number | null {
  if (!headers) return null;
  const msHeader = headers.get('retry-after-ms')?.trim();
  const ms = msHeader ? Number(msHeader) : Number.NaN;
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const header = headers.get('retry-after')?.trim();
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : null;
}
