// Which output items of a run the verdict and the reports need, and reading just those. The run object
// already carries the counts and the per-criterion results, and the list takes `status=fail`: most
// gates need only the failing items (20% failing is a fifth of the requests). Every item is read only
// when something the run object cannot give is needed; each such reason is said in the log.
import { FAILING_ITEMS_KEPT, ItemTally, type TallyCoverage } from '../analysis/item-tally.js';
import type { CollectStats } from '../evals-api/collect-items.js';
import type { ItemRecord, RunSnapshot } from '../evals-api/run-types.js';

/** Reads one list of a run's output items, all or those of one status, handing each over as a record. */
export type ReadList = (
  run: RunSnapshot,
  status: 'pass' | 'fail' | undefined,
  onRecord: (record: ItemRecord) => void,
  keepReading?: () => boolean,
) => Promise<CollectStats>;

/** How many items a list of `run`'s should hold, by its `result_counts`: what bounds the pages read. */
export function listSize(run: RunSnapshot, status: 'pass' | 'fail' | undefined): number {
  const counts = run.resultCounts;
  return status === 'fail' ? counts.failed + counts.errored : status === 'pass' ? counts.passed : counts.total;
}

/** How the run is compared: with no baseline, by item id (the same dataset), or by content (another dataset). */
export type Pairing = 'none' | 'id' | 'content';

/** Makes the tally a read feeds (the gate's also collects the results record's items). */
export type NewTally<T extends ItemTally> = (coverage: TallyCoverage) => T;

const plainTally: NewTally<ItemTally> = (coverage) => new ItemTally(FAILING_ITEMS_KEPT, coverage);

/** Reads what is needed of runs' items into tallies of type `T` (an ItemTally unless `newTally` makes others). */
export class RunItemReader<T extends ItemTally = ItemTally> {
  private readonly readList: ReadList;
  private readonly log: (line: string) => void;
  private readonly newTally: NewTally<T>;

  constructor(readList: ReadList, log: (line: string) => void, newTally: NewTally<T> = plainTally as NewTally<T>) {
    this.readList = readList;
    this.log = log;
    this.newTally = newTally;
  }

  /**
   * What the verdict and the reports need of `run`'s items (`what` names it in the log: `run`,
   * `baseline run`): its failing items, unless the run object lacks something only every item gives.
   */
  async read(run: RunSnapshot, pairing: Pairing, what: string): Promise<T> {
    const why = everyItemNeeded(run, pairing);
    if (why) return this.readEveryItem(run, what, why);

    const counts = run.resultCounts;
    const tally = this.newTally('failing');
    const stats = await this.readList(run, 'fail', (record) => tally.add(record));
    this.log(`Read the failing output items of ${what} ${run.id} (status=fail): ${listed(stats)}; its result_counts and per-criterion results give the rest.`);

    const failing = counts.failed + counts.errored;
    const seen = tally.counts.total;
    if (tally.counts.passed > 0 || tally.counts.skipped > 0) {
      return this.readEveryItem(run, what, 'its failing list held items that did not fail (the server did not filter it)');
    }
    if (seen !== failing) {
      return this.complete(run, tally, what, `its failing list held ${count(seen, 'item')} but its result_counts count ${failing} failed or errored, so the counts come from every item`);
    }
    if (tally.hasMetrics) return this.complete(run, tally, what, 'a grader reports several metrics, and their rates need every item');
    if (tally.criteria.size === 0 && counts.passed > 0) {
      // No failing item shows its grades (none failed, or all errored): one page of passing items tells
      // whether a grader reports several metrics, which the run's per-criterion results cannot show.
      const probe = new ItemTally(0);
      const stats = await this.readList(run, 'pass', (record) => probe.add(record), () => false);
      if (probe.hasMetrics) return this.complete(run, tally, what, 'a grader reports several metrics, and their rates need every item');
      this.log(`Read one page of the passing output items of ${what} ${run.id} (${listed(stats)}): no grader reports several metrics.`);
    }
    return tally;
  }

  /**
   * Adds the passing items to a tally of the failing ones (every item, when some were skipped: those
   * are in neither list). `why` says in the log why the failing items were not enough.
   */
  async complete(run: RunSnapshot, tally: T, what: string, why: string): Promise<T> {
    if (tally.coverage === 'all') return tally;
    if (run.resultCounts.skipped > 0) return this.readEveryItem(run, what, why);
    const stats = await this.readList(run, 'pass', (record) => tally.add(record));
    tally.coverage = 'all';
    this.log(`Read the passing output items of ${what} ${run.id} too (status=pass): ${listed(stats)}, because ${why}.`);
    return tally;
  }

  /** Every item of `run`, in one list; `why` says in the log why the failing ones were not enough. */
  async readEveryItem(run: RunSnapshot, what: string, why: string): Promise<T> {
    const tally = this.newTally('all');
    const stats = await this.readList(run, undefined, (record) => tally.add(record));
    this.log(`Read every output item of ${what} ${run.id}: ${listed(stats)}, because ${why}.`);
    return tally;
  }
}

/** Why the run object is not enough and every item must be read, or null when the failing items suffice. */
export function everyItemNeeded(run: RunSnapshot, pairing: Pairing): string | null {
  const counts = run.resultCounts;
  if (pairing === 'content') return 'the baseline evaluated other rows, so items pair by content, which needs every item of both runs';
  if (counts.total !== counts.passed + counts.failed + counts.errored + counts.skipped) {
    return `its result_counts do not add up (${counts.total} total, ${counts.passed} passed, ${counts.failed} failed, ${counts.errored} errored, ${counts.skipped} skipped), so the counts come from the items`;
  }
  if (run.perCriterion.length === 0) return 'the run has no per-criterion results, so they come from the items';
  if (pairing === 'id' && counts.skipped > 0) return `${count(counts.skipped, 'item')} were skipped, and skipped items are in neither the failing nor the passing list`;
  return null;
}

function listed(stats: CollectStats): string {
  return `${count(stats.items, 'item')} in ${count(stats.pages, 'page')}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
