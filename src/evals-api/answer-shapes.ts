// Answers of the wrong shape, found where they arrive: a proxy's HTML page with status 200, a list
// whose `data` is not an array, a created run without an id, counts no run can have. The SDK reads
// all of these leniently (an HTML page is a string, a string's characters would be "items"), and
// records.ts reads every field defensively; these checks are what turns them into a clear error
// instead of a status "unknown" polled until the timeout.
import { EvalsApiError } from './api-errors.js';
import { toRunSnapshot } from './records.js';
import type { RunSnapshot } from './run-types.js';

/** What an answer was, for a person: `an HTML page`, `text "…"`, `an array`, `null`. */
export function describeShape(value: unknown): string {
  if (value === null || value === undefined) return 'an empty answer';
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^<(!doctype|html|head|body|\?xml)/i.test(text)) return 'an HTML page';
    return `text ${JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text)}`;
  }
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const COUNT_FIELDS = ['total', 'passed', 'failed', 'errored', 'skipped'] as const;

/**
 * A run as the API must send it: an object with an id and a status, and `result_counts` (when there
 * are some) of whole numbers ≥ 0 whose parts, once the run completed, do not add up to more than its
 * total. `doing` says what was being done, e.g. `waiting for run evalrun_1`.
 */
export function checkedRun(raw: unknown, doing: string, where: string): RunSnapshot {
  const wrong = (what: string) => new EvalsApiError(`${where} answered ${what} while ${doing}, not a run.`, null);
  if (!isObject(raw)) throw wrong(describeShape(raw));
  if (typeof raw.id !== 'string' || raw.id === '') throw wrong('an object without an "id"');
  if (typeof raw.status !== 'string' || raw.status === '') throw wrong('an object without a "status"');
  const counts = raw.result_counts;
  if (counts !== null && counts !== undefined) {
    if (!isObject(counts)) throw new EvalsApiError(`${where} answered a run whose "result_counts" is ${describeShape(counts)} while ${doing}.`, null);
    for (const field of COUNT_FIELDS) {
      const value = counts[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new EvalsApiError(`${where} answered a run whose result_counts.${field} is ${JSON.stringify(value)}, not a count, while ${doing}.`, null);
      }
    }
  }
  const run = toRunSnapshot(raw);
  const { total, passed, failed, errored, skipped } = run.resultCounts;
  if (run.status === 'completed' && passed + failed + errored + skipped > total) {
    throw new EvalsApiError(
      `${where} answered a completed run whose result_counts cannot be: ${passed} passed + ${failed} failed + ${errored} errored${skipped ? ` + ${skipped} skipped` : ''} is more than its total of ${total} (while ${doing}).`,
      null,
    );
  }
  return run;
}

/**
 * The items of a list page, which must be an object whose `data` is an array. The SDK keeps the page's
 * body (a protected field) and reads `data` from it without a look at its type.
 */
export function checkedPageItems(page: unknown, doing: string, where: string): unknown[] {
  const body = isObject(page) ? (page as { body?: unknown }).body : undefined;
  if (!isObject(body)) throw new EvalsApiError(`${where} answered ${describeShape(body)} while ${doing}, not a list.`, null);
  if (!Array.isArray(body.data)) throw new EvalsApiError(`${where} answered a list whose "data" is ${describeShape(body.data)} while ${doing}.`, null);
  return body.data;
}
