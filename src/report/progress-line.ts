import type { RunSnapshot } from '../evals/run-types.js';
import { formatDuration } from './format.js';

/** `in_progress · 340/1000 graded · 310 pass · 25 fail · 5 error · 2m10s` */
export function progressLine(run: RunSnapshot, elapsedMs: number, expectedTotal: number | null): string {
  const counts = run.resultCounts;
  const graded = counts.passed + counts.failed + counts.errored;
  const of = expectedTotal ?? (counts.total || null);
  return [
    run.status,
    of ? `${graded}/${of} graded` : `${graded} graded`,
    `${counts.passed} pass`,
    `${counts.failed} fail`,
    `${counts.errored} error`,
    formatDuration(elapsedMs),
  ].join(' · ');
}
