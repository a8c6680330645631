// What the gate takes of its own run's items, and of its baseline's: on the local engine every item,
// handed over in this process as it is graded; on a remote endpoint the failing lists of the run and of
// its baseline, read at the same time, and every item only when the run objects cannot stand in for them.
import { canPairFailingItems } from '../analysis/analyse-run.js';
import type { ItemTally } from '../analysis/item-tally.js';
import type { EvalsClient } from '../evals-api/client.js';
import { collectOutputItems } from '../evals-api/collect-items.js';
import type { GateRun } from '../evals-api/gate-runs.js';
import { toItemRecord } from '../evals-api/records.js';
import type { RunSnapshot } from '../evals-api/run-types.js';
import type { Settings } from '../settings/settings.js';
import type { Log } from '../shared/log.js';
import type { BaselineLookup } from './baseline-lookup.js';
import type { FollowItems } from './connect.js';
import { listSize, type ReadList, RunItemReader } from './read-items.js';
import { RecordedTally } from './recorded-tally.js';

/** What the gate took of its run's items, and what it compares them with. */
export interface ItemsRead {
  tally: RecordedTally;
  lookup: BaselineLookup;
}

/** Reads the chosen baseline run's items, as the lookup asks once it has found it. */
export type ReadBaselineItems = (baseline: GateRun, sameDataset: boolean) => Promise<ItemTally>;

export interface CollectContext {
  client: EvalsClient;
  settings: Settings;
  log: Log & { redact(text: string): string };
  /** The gate's: aborted when it stops (a signal). */
  signal: AbortSignal;
  /** Whether a signal stopped the gate (its errors are then not the baseline's). */
  abandoned: () => boolean;
  onRetry: (message: string) => void;
}

export class RunCollector {
  private readonly context: CollectContext;

  constructor(context: CollectContext) {
    this.context = context;
  }

  /** The local engine's items, taken into a tally as they are graded. `stop()` once the run is terminal. */
  follow(followItems: FollowItems, runId: string): { tally: RecordedTally; stop: () => void } {
    const { settings, log } = this.context;
    const tally = new RecordedTally();
    const stop = followItems(settings.evalId, runId, (item) => tally.add(toItemRecord(item, (text) => log.redact(text))));
    return { tally, stop };
  }

  /** Every item of a local run: those followed, or (the engine in another process) read through the API. */
  async local(run: RunSnapshot, followed: RecordedTally | null): Promise<RecordedTally> {
    if (!followed) return this.ownReader(this.context.signal).readEveryItem(run, 'run', 'the local engine is not in this process');
    this.context.log.info(`Took the ${countOf(followed.counts.total, 'output item')} of run ${run.id} from the local engine as they were graded (in this process, nothing read back).`);
    return followed;
  }

  /**
   * The run's items and the baseline's, read at the same time: the run's failing items from the start,
   * while `lookUp` looks for the baseline on the API (a failure to read them fails the gate at once);
   * then the baseline's (its failing items too when both runs evaluated the same rows). A baseline on
   * other rows pairs by content: the run's failing read is stopped, and every item of both is read
   * instead. `withRecords` adds the records of earlier runs, or a file, where the API had no baseline;
   * a record is paired like a run, except that it cannot be read further.
   */
  async remote(
    run: RunSnapshot,
    lookUp: ((signal: AbortSignal, readItems: ReadBaselineItems) => Promise<BaselineLookup>) | null,
    withRecords: (api: BaselineLookup | null) => Promise<BaselineLookup>,
  ): Promise<ItemsRead> {
    const { signal, abandoned } = this.context;
    const reader = this.ownReader(signal);
    // Each read can be stopped on its own, and every one stops with the gate.
    const stopFailingRead = new AbortController();
    const failingSignal = AbortSignal.any([signal, stopFailingRead.signal]);
    const stopLookup = new AbortController();
    const lookupSignal = AbortSignal.any([signal, stopLookup.signal]);
    let current = this.ownReader(failingSignal).read(run, 'none', 'run');
    // A failure of the run's own read ends the gate, the lookup with it; one we caused by stopping it does not.
    const never = new Promise<never>(() => undefined);
    const currentFailed = current.then(
      () => never,
      (error: unknown) => (failingSignal.aborted && !abandoned() ? never : Promise.reject(error)),
    );
    // Raced below; once the lookup has won, the run's read is awaited on its own.
    currentFailed.catch(() => undefined);
    const looking: Promise<BaselineLookup | null> = lookUp
      ? lookUp(lookupSignal, (found, sameDataset) => {
          if (!sameDataset) {
            stopFailingRead.abort();
            current = reader.read(run, 'content', 'run');
            // Its failure is the gate's: it is awaited below.
            current.catch(() => undefined);
          }
          return this.reader(lookupSignal).read(found.run, sameDataset ? 'id' : 'content', 'baseline run');
        })
      : Promise.resolve(null);
    let api: BaselineLookup | null;
    try {
      api = await Promise.race([looking, currentFailed]);
    } catch (error) {
      stopLookup.abort();
      looking.catch(() => undefined);
      throw error;
    }
    let tally = await current;
    const lookup = await withRecords(api);
    const baseline = lookup.baseline;
    const paired =
      !baseline ||
      (tally.coverage === 'all' && baseline.tally.coverage === 'all') ||
      canPairFailingItems(run, tally, baseline.run, baseline.tally, baseline.sameDataset);
    if (paired) return { tally, lookup };
    const why = 'the failing items of the two runs cannot be paired by id alone (ids missing or repeated, items skipped, other rows, or runs of different sizes)';
    if (baseline === api?.baseline) return this.readBothInFull(reader, run, tally, lookup, why);
    // A record is no run to read more of: the run's passing items pair with a record that keeps every
    // item; with one that keeps only its failing items, the analysis says it could not pair them.
    if (baseline.tally.coverage === 'all') tally = await reader.complete(run, tally, 'run', why);
    return { tally, lookup };
  }

  /**
   * Failing items pair by id only when both runs' ids say which item is which and neither skipped
   * any: otherwise the passing items of both are read too. A baseline that cannot be read so is dropped.
   */
  private async readBothInFull(reader: RunItemReader<RecordedTally>, run: RunSnapshot, tally: RecordedTally, lookup: BaselineLookup, why: string): Promise<ItemsRead> {
    const baseline = lookup.baseline as NonNullable<BaselineLookup['baseline']>;
    const [current, previous] = await Promise.allSettled([
      reader.complete(run, tally, 'run', why),
      this.reader(this.context.signal).complete(baseline.run, baseline.tally, 'baseline run', why),
    ]);
    if (current.status === 'rejected') throw current.reason;
    const own = current.value;
    if (previous.status === 'rejected') {
      if (this.context.abandoned()) throw previous.reason;
      const message = previous.reason instanceof Error ? previous.reason.message : String(previous.reason);
      this.context.log.warning(`Could not read the baseline, so the gate judged the run alone: ${message}`);
      return { tally: own, lookup: { ...lookup, baseline: null, note: `Could not read the baseline, so the gate judged the run alone: ${message}` } };
    }
    return { tally: own, lookup: { ...lookup, baseline: { ...baseline, tally: previous.value } } };
  }

  /** Reads a list of output items through the Evals API. */
  private readList(signal: AbortSignal): ReadList {
    const { settings, client, onRetry, log } = this.context;
    return (target, status, onRecord, keepReading) =>
      collectOutputItems(
        client,
        { evalId: settings.evalId, runId: target.id, baseURL: settings.endpoint.baseURL, expectedTotal: listSize(target, status), status, keepReading, signal, onRetry, redact: (text) => log.redact(text) },
        onRecord,
      );
  }

  /** A reader of another run (the baseline). */
  private reader(signal: AbortSignal): RunItemReader {
    return new RunItemReader(this.readList(signal), (line) => this.context.log.info(line));
  }

  /** A reader of the gate's own run, whose items the record keeps. */
  private ownReader(signal: AbortSignal): RunItemReader<RecordedTally> {
    return new RunItemReader(this.readList(signal), (line) => this.context.log.info(line), (coverage) => new RecordedTally(coverage));
  }
}

function countOf(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
