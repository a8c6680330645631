// How big a data file, a line of it and a row's nesting may be: checked while the file is read, so that
// a huge file or line is refused with its line number instead of crashing the reader (a JavaScript
// string holds at most ~512 MiB), and a deeply nested row before anything recurses over it.

/** The largest data file read: OpenAI's Files API takes files up to 512 MB, the largest dataset a hosted run reads. */
export const MAX_DATA_FILE_BYTES = 512 * 1024 * 1024;

/**
 * The longest line (one row): a 1M-token model context holds about 4 MB of text, so a row several times
 * that is a broken file, not a dataset.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * The deepest nesting of objects and arrays in a row (`{"item": {...}}` counts 2). The API publishes no
 * limit; 64 is far beyond real datasets and keeps whole requests within the 128 levels common JSON
 * parsers accept by default, and within python's recursion limit in a python grader.
 */
export const MAX_ROW_DEPTH = 64;

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB` : `${bytes} bytes`;
}

/** What is wrong with a line over MAX_LINE_BYTES. */
export const LINE_TOO_LONG = `longer than ${formatBytes(MAX_LINE_BYTES)}, the longest line a data file may have`;

/** True when `value` nests objects and arrays more than `max` levels deep. Iterative: never overflows the stack. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop() as [unknown, number];
    if (typeof next !== 'object' || next === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(next) ? next : Object.values(next)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
