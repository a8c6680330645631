// A PR's eval run against a baseline run (e.g. the latest run on main), item by item: which items
// started failing, which started passing, whether that difference is more than chance, and how the
// score and each criterion moved.
import type { ItemOutcome } from '../evals-api/run-types.js';
import { mcnemarExactPValue } from './mcnemar.js';

/** One item of a run, as far as pairing needs: the data source item id, a hash of its content, its outcome. */
export interface ItemOutcomeKey {
  id: string | null;
  contentHash: string;
  outcome: ItemOutcome;
}

export type PairingMode = 'id' | 'content';

export interface CriterionComparison {
  name: string;
  baseline: number | null;
  current: number | null;
  /** current − baseline; null unless both rates are known. */
  delta: number | null;
}

/** An item whose outcome changed. Its id and content hash are the current run's. */
export interface ItemChange {
  id: string | null;
  contentHash: string;
  baseline: ItemOutcome;
  current: ItemOutcome;
  /** Where the item is in the current run's items, and its counterpart in the baseline's (0-based). */
  currentIndex: number;
  baselineIndex: number;
}

export interface RunComparison {
  /** 'id' when both runs evaluated the same dataset (same fingerprint), else 'content' (hash of each item's content). */
  pairedBy: PairingMode;
  /** Items present in both runs and graded in both: the pairs the comparison is about. */
  paired: number;
  /** Items present in both runs but skipped in at least one: matched, yet neither a regression nor a fix. */
  skippedPairs: number;
  /** Items only in the current run. */
  added: number;
  /** Items only in the baseline run. */
  removed: number;
  /** Passed in the baseline, failed or errored now; in the current run's order, at most `keep`. */
  regressions: ItemChange[];
  /** Failed or errored in the baseline, passed now; in the current run's order, at most `keep`. */
  fixes: ItemChange[];
  baselineScore: number;
  currentScore: number;
  /** current − baseline, in [−1, 1]. */
  scoreDelta: number;
  /** Exact counts, whatever the lists above kept. */
  mcnemar: { regressions: number; fixes: number; pValue: number };
  criteria: CriterionComparison[];
}

export interface RunSide {
  items: Iterable<ItemOutcomeKey>;
  score: number;
  criteria: Array<{ name: string; rate: number | null }>;
}

export interface CompareRunsInput {
  baseline: RunSide;
  current: RunSide;
  /** Both runs evaluated the same dataset (same fingerprint): items can be paired by their ids. */
  sameDataset: boolean;
  /** Most changes of each kind kept in the lists (the counts stay exact). Default 5000. */
  keep?: number;
}

/** Changes of each kind kept with their ids; beyond this they are only counted (memory stays bounded). */
export const CHANGES_KEPT = 5000;

/**
 * Baseline outcomes waiting for their current counterpart, by pairing key. Items with the same key
 * (the same content twice) pair in order of appearance, so the arrays are reversed once the baseline
 * is read and then consumed from the end. Ids and content hashes live in separate maps, so an id can
 * never meet a hash that happens to be spelt alike.
 */
interface WaitingOutcome {
  outcome: ItemOutcome;
  /** Its place among the baseline's items. */
  index: number;
}

interface WaitingOutcomes {
  byId: Map<string, WaitingOutcome[]>;
  byContent: Map<string, WaitingOutcome[]>;
}

function queueFor(waiting: WaitingOutcomes, item: ItemOutcomeKey, sameDataset: boolean): { map: Map<string, WaitingOutcome[]>; key: string } {
  // Without an id (or across datasets, where ids mean different items) only the content identifies an item.
  return sameDataset && item.id !== null ? { map: waiting.byId, key: item.id } : { map: waiting.byContent, key: item.contentHash };
}

function readBaseline(items: Iterable<ItemOutcomeKey>, sameDataset: boolean): WaitingOutcomes {
  const waiting: WaitingOutcomes = { byId: new Map(), byContent: new Map() };
  let index = 0;
  for (const item of items) {
    const { map, key } = queueFor(waiting, item, sameDataset);
    const entry = { outcome: item.outcome, index: index++ };
    const queue = map.get(key);
    if (queue) queue.push(entry);
    else map.set(key, [entry]);
  }
  for (const map of [waiting.byId, waiting.byContent]) {
    for (const queue of map.values()) if (queue.length > 1) queue.reverse();
  }
  return waiting;
}

function isFailing(outcome: ItemOutcome): boolean {
  // An errored item did not pass: for the comparison it counts as a failure, as it does in the score.
  return outcome === 'fail' || outcome === 'error';
}

/**
 * Pairs the items of two runs and compares them. A skipped item (Azure, Foundry) was not graded, so a
 * pair with a skipped side says nothing about a change: it is counted in `skippedPairs`, not in
 * `paired`, and is neither a regression nor a fix. A change between `fail` and `error` is no change:
 * the item did not pass either time.
 */
export function compareRuns(input: CompareRunsInput): RunComparison {
  const keep = Math.max(0, Math.floor(input.keep ?? CHANGES_KEPT));
  const { sameDataset } = input;
  const waiting = readBaseline(input.baseline.items, sameDataset);
  const regressions: ItemChange[] = [];
  const fixes: ItemChange[] = [];
  let regressionCount = 0;
  let fixCount = 0;
  let paired = 0;
  let skippedPairs = 0;
  let added = 0;
  let currentIndex = -1;

  for (const item of input.current.items) {
    currentIndex++;
    const { map, key } = queueFor(waiting, item, sameDataset);
    const waitingOutcome = map.get(key)?.pop();
    if (waitingOutcome === undefined) {
      added++;
      continue;
    }
    const baseline = waitingOutcome.outcome;
    if (baseline === 'skipped' || item.outcome === 'skipped') {
      skippedPairs++;
      continue;
    }
    paired++;
    const change = (): ItemChange => ({
      id: item.id,
      contentHash: item.contentHash,
      baseline,
      current: item.outcome,
      currentIndex,
      baselineIndex: waitingOutcome.index,
    });
    if (baseline === 'pass' && isFailing(item.outcome)) {
      regressionCount++;
      if (regressions.length < keep) regressions.push(change());
    } else if (isFailing(baseline) && item.outcome === 'pass') {
      fixCount++;
      if (fixes.length < keep) fixes.push(change());
    }
  }

  let removed = 0;
  for (const map of [waiting.byId, waiting.byContent]) for (const queue of map.values()) removed += queue.length;

  return {
    pairedBy: sameDataset ? 'id' : 'content',
    paired,
    skippedPairs,
    added,
    removed,
    regressions,
    fixes,
    ...scoresAndTest(input.baseline, input.current, regressionCount, fixCount),
  };
}

/** What every comparison ends with: the scores and their change, McNemar's test, the criteria side by side. */
function scoresAndTest(
  baseline: { score: number; criteria: Array<{ name: string; rate: number | null }> },
  current: { score: number; criteria: Array<{ name: string; rate: number | null }> },
  regressions: number,
  fixes: number,
): Pick<RunComparison, 'baselineScore' | 'currentScore' | 'scoreDelta' | 'mcnemar' | 'criteria'> {
  return {
    baselineScore: baseline.score,
    currentScore: current.score,
    scoreDelta: current.score - baseline.score,
    mcnemar: { regressions, fixes, pValue: mcnemarExactPValue(regressions, fixes) },
    criteria: compareCriteria(baseline.criteria, current.criteria),
  };
}

/** A run seen through its failing (failed or errored) items only, each with its place among the items read. */
export interface FailingSide {
  failing: Iterable<{ key: ItemOutcomeKey; index: number }>;
  /** All the run's items, from its result counts. */
  total: number;
  score: number;
  criteria: Array<{ name: string; rate: number | null }>;
}

/**
 * Pairs two runs of the same dataset by item id from their failing items alone, which is all a
 * comparison by id needs: a regression fails now and not in the baseline, a fix the reverse, and every
 * other item passed in both. The counts are exactly those of `compareRuns` on every item, when neither
 * run skipped any (the caller's to check: a skipped item is in neither list). Regressions are in the
 * current run's order; fixes in the baseline's, which on the same dataset is the same; a change's index
 * on the side whose list did not hold it is −1, and a fix's id and content hash are the baseline's.
 * Null when the failing items cannot be paired so: an id missing or given twice, or runs of different sizes.
 */
export function compareFailingItems(input: { baseline: FailingSide; current: FailingSide; keep?: number }): RunComparison | null {
  const keep = Math.max(0, Math.floor(input.keep ?? CHANGES_KEPT));
  if (input.baseline.total !== input.current.total) return null;
  const byId = (side: FailingSide) => {
    const map = new Map<string, { key: ItemOutcomeKey; index: number }>();
    for (const entry of side.failing) {
      if (entry.key.id === null || map.has(entry.key.id)) return null;
      map.set(entry.key.id, entry);
    }
    return map;
  };
  const current = byId(input.current);
  const baseline = byId(input.baseline);
  if (!current || !baseline) return null;
  const regressions: ItemChange[] = [];
  const fixes: ItemChange[] = [];
  let regressionCount = 0;
  let fixCount = 0;
  for (const [id, { key, index }] of current) {
    if (baseline.has(id)) continue;
    regressionCount++;
    if (regressions.length < keep) regressions.push({ id, contentHash: key.contentHash, baseline: 'pass', current: key.outcome, currentIndex: index, baselineIndex: -1 });
  }
  for (const [id, { key, index }] of baseline) {
    if (current.has(id)) continue;
    fixCount++;
    if (fixes.length < keep) fixes.push({ id, contentHash: key.contentHash, baseline: key.outcome, current: 'pass', currentIndex: -1, baselineIndex: index });
  }
  return {
    pairedBy: 'id',
    paired: input.current.total,
    skippedPairs: 0,
    added: 0,
    removed: 0,
    regressions,
    fixes,
    ...scoresAndTest(input.baseline, input.current, regressionCount, fixCount),
  };
}

/**
 * Criteria of both runs, matched by name: the current run's in its order, then those only the baseline
 * has. A name given twice in one run pairs in order of appearance, as items do.
 */
function compareCriteria(baseline: RunSide['criteria'], current: RunSide['criteria']): CriterionComparison[] {
  const byName = new Map<string, number[]>();
  baseline.forEach((criterion, index) => {
    const indexes = byName.get(criterion.name);
    if (indexes) indexes.push(index);
    else byName.set(criterion.name, [index]);
  });
  const matched = new Set<number>();
  const compared = current.map((criterion) => {
    const index = byName.get(criterion.name)?.shift();
    if (index !== undefined) matched.add(index);
    const before = index === undefined ? null : (baseline[index]?.rate ?? null);
    return comparison(criterion.name, before, criterion.rate);
  });
  baseline.forEach((criterion, index) => {
    if (!matched.has(index)) compared.push(comparison(criterion.name, criterion.rate, null));
  });
  return compared;
}

function comparison(name: string, baseline: number | null, current: number | null): CriterionComparison {
  return { name, baseline, current, delta: baseline !== null && current !== null ? current - baseline : null };
}

const MINUS = '\u2212';

/**
 * A score change in percentage points, signed, one decimal: `+1.5 pts`, `−6.5 pts` (a real minus sign),
 * and `±0.0 pts` for a change that rounds to zero (|delta| < 0.0005). Rounds as `percent` does.
 */
export function describeScoreDelta(delta: number): string {
  if (!Number.isFinite(delta)) return '—';
  const tenths = Math.round(Math.abs(delta) * 1000);
  if (tenths === 0) return '±0.0 pts';
  return `${delta < 0 ? MINUS : '+'}${(tenths / 10).toFixed(1)} pts`;
}

/**
 * A p-value with three decimals, `p = 0.031`, or `p < 0.001` below that; `p = 1.000` at most. The
 * decimals are cut, not rounded, so the shown value is below a significance level of up to three
 * decimals (0.05, 0.01, 0.001) when the p-value is: 0.0499 reads `p = 0.049`, never `p = 0.050`, so a
 * report never calls `p = 0.050` significant at 0.05.
 */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p) || p < 0) return 'p = —';
  if (p < 0.001) return 'p < 0.001';
  // The nudge (far below any p-value's precision) keeps 0.029, stored as 0.02899…, from losing a thousandth.
  const thousandths = Math.min(1000, Math.floor(p * 1000 + 1e-9));
  return `p = ${(thousandths / 1000).toFixed(3)}`;
}
