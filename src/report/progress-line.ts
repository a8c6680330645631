import type { RunSnapshot } from '../evals-api/run-types.js';
import { formatDuration } from './format.js';

/** `in_progress · 340/1000 graded · 310 pass · 25 fail · 5 error · 2m10s` (and `N skipped` on Azure) */
export function progressLine(run: RunSnapshot, elapsedMs: number, expectedTotal: number | null): string {
  const counts = run.resultCounts;
  const done = counts.passed + counts.failed + counts.errored + counts.skipped;
  // The data file's row count, unless the server knows of more (a source it samples or expands).
  const of = Math.max(expectedTotal ?? 0, counts.total) || null;
  return [
    run.status,
    of ? `${done}/${of} graded` : `${done} graded`,
    `${counts.passed} pass`,
    `${counts.failed} fail`,
    `${counts.errored} error`,
    ...(counts.skipped > 0 ? [`${counts.skipped} skipped`] : []),
    formatDuration(elapsedMs),
  ].join(' · ');
}
