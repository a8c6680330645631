import { ItemTally } from '../analysis/item-tally.js';
import type { EvalsClient } from '../evals-api/client.js';
import { type CollectOptions, type CollectStats, collectOutputItems } from '../evals-api/collect-items.js';
import type { ItemRecord } from '../evals-api/run-types.js';

/**
 * A completed run's output items, read page by page into a tally (the run's and a baseline's alike);
 * `also` sees each record too (the results record kept for later runs).
 */
export async function tallyRun(
  client: EvalsClient,
  options: CollectOptions,
  also?: (record: ItemRecord) => void,
): Promise<{ tally: ItemTally; stats: CollectStats }> {
  const tally = new ItemTally();
  const stats = await collectOutputItems(client, options, (record) => {
    tally.add(record);
    also?.(record);
  });
  return { tally, stats };
}
