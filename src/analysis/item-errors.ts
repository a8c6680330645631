import type { ItemRecord } from '../evals-api/run-types.js';

/** An error message several errored items share, and how many share it. */
export interface SharedItemError {
  message: string;
  count: number;
}

/**
 * The errors that several errored items share (one typo in a template errors every item the same way),
 * each once with its count: most shared first, then in the order first met. Errors of one item only are
 * left to that item.
 */
export function sharedItemErrors(items: readonly ItemRecord[]): SharedItemError[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.outcome === 'error' && item.error !== null) counts.set(item.error, (counts.get(item.error) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count);
}
