import { criterionKey } from '../analysis/item-tally.js';
import type { ItemRecord } from '../evals-api/run-types.js';
import { fingerprint } from '../shared/fingerprint.js';
import { OUTCOME_LETTERS, type RecordItem, STATE_LETTERS } from './record-format.js';

/**
 * Collects every item of a run, as it streams in, in the record's compact form: its pairing keys, its
 * outcome and one letter per criterion. About 60 bytes an item in memory; the texts are never kept.
 */
export class RecordItems {
  readonly items: RecordItem[] = [];
  /** Criteria in the order first seen; an item seen before a criterion appeared has `-` for it. */
  readonly criteria: string[] = [];
  private readonly column = new Map<string, number>();
  private fingerprint: string | null = null;
  /** Each distinct states string once: a run has few patterns, and 100,000 copies of `pf-pp` add up. */
  private readonly statePatterns = new Map<string, string>();

  /** Adds an item, and hands back the object kept for it. */
  add(record: ItemRecord): RecordItem {
    this.fingerprint = null;
    const states: string[] = new Array<string>(this.criteria.length).fill(STATE_LETTERS.none);
    for (const grade of record.grades) {
      const key = criterionKey(grade);
      let index = this.column.get(key);
      if (index === undefined) {
        index = this.criteria.length;
        this.column.set(key, index);
        this.criteria.push(key);
      }
      states[index] =
        grade.passed === true
          ? STATE_LETTERS.passed
          : grade.passed === false
            ? STATE_LETTERS.failed
            : record.outcome === 'error'
              ? STATE_LETTERS.errored
              : STATE_LETTERS.none;
    }
    for (let i = 0; i < states.length; i++) states[i] ??= STATE_LETTERS.none;
    const item = { id: record.datasourceItemId, contentHash: record.contentHash, outcome: record.outcome, states: this.pattern(states.join('')) };
    this.items.push(item);
    return item;
  }

  private pattern(states: string): string {
    const known = this.statePatterns.get(states);
    if (known !== undefined) return known;
    if (this.statePatterns.size < MAX_STATE_PATTERNS) this.statePatterns.set(states, states);
    return states;
  }

  /** Each item's states padded to every criterion, the last ones included. */
  padded(): RecordItem[] {
    const width = this.criteria.length;
    return this.items.map((item) => (item.states.length === width ? item : { ...item, states: item.states.padEnd(width, STATE_LETTERS.none) }));
  }

  /**
   * A fingerprint of the dataset as the items show it: the multiset of (id, content) pairs, in any order
   * (a remote server may list items in another order). Equal fingerprints mean items pair by id.
   */
  datasetFingerprint(): string {
    this.fingerprint ??= datasetFingerprintOf(this.items);
    return this.fingerprint;
  }
}

const MAX_STATE_PATTERNS = 4096;

export function datasetFingerprintOf(items: readonly Pick<RecordItem, 'id' | 'contentHash'>[]): string {
  const keys = items.map((item) => `${item.id === null ? '\u0000' : JSON.stringify(item.id)}\t${item.contentHash}`);
  keys.sort();
  return fingerprint(keys);
}

/** The letter of an outcome, for an item line. */
export function outcomeLetter(item: RecordItem): string {
  return OUTCOME_LETTERS[item.outcome];
}
