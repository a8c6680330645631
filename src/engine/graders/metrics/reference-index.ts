// A reference text prepared for scoring hypotheses against it (BLEU, GLEU, ROUGE-N and the LCS
// metrics): its distinct symbols (tokens or code points) numbered 0…alphabet−1, and its n-grams
// numbered too, each n-gram of order n named by the number of its (n−1)-gram prefix and its last symbol.
// A hypothesis then needs no maps of its own: each of its n-grams is found from two integers, and the
// clipped counts are kept in arrays instead of maps of joined strings.
//
// Scoring is synchronous, so buffers are shared: one set for hypotheses, and one for the single
// "transient" reference (a reference seen once), which the next transient reference overwrites.

/** An integer buffer grown as needed (never shrunk) and reused. */
class Scratch {
  array = new Int32Array(256);

  /** The buffer, at least `length` long; its contents are whatever was left in it. */
  take(length: number): Int32Array {
    if (this.array.length < length) this.array = new Int32Array(Math.max(length, this.array.length * 2));
    return this.array;
  }
}

const hypothesisSymbols = new Scratch();
const hypothesisGrams = new Scratch();
const transient = {
  ids: new Scratch(),
  counts: new Scratch(),
  used: new Scratch(),
  symbols: new Map<string | number, number>(),
  extensions: new Map<number, number>(),
};

export class ReferenceIndex<Sym extends string | number> {
  /** How many symbols the reference has. */
  readonly length: number;
  /** How many distinct symbols it has; they are numbered 0…alphabet−1. */
  readonly alphabet: number;
  /** The reference's symbols as their numbers, in order (the first `length` entries). */
  readonly ids: Int32Array;
  /** The highest n-gram order indexed. */
  readonly maxOrder: number;
  private readonly symbols: Map<Sym, number>;
  /** (prefix n-gram number × alphabet + last symbol) → the n-gram's number. */
  private readonly extensions: Map<number, number>;
  /** How often each numbered n-gram (of any order) occurs in the reference. */
  private readonly counts: Int32Array;
  /** Matches so far of each n-gram, during one order of one hypothesis; all zeros in between. */
  private readonly used: Int32Array;

  /**
   * `keep`: the index is kept (a cache) and owns its buffers. Otherwise it borrows the shared transient
   * ones, and is valid only until the next transient index is made.
   */
  constructor(symbols: ArrayLike<Sym>, options: { maxOrder?: number; length?: number; keep?: boolean } = {}) {
    const length = options.length ?? symbols.length;
    const maxOrder = options.maxOrder ?? 1;
    const keep = options.keep ?? true;
    this.length = length;
    this.maxOrder = maxOrder;
    // At most one n-gram per position and order.
    const capacity = Math.max(1, maxOrder * length);
    if (keep) {
      this.symbols = new Map();
      this.extensions = new Map();
      this.ids = new Int32Array(length);
      this.counts = new Int32Array(capacity);
      this.used = new Int32Array(capacity);
    } else {
      transient.symbols.clear();
      transient.extensions.clear();
      this.symbols = transient.symbols as Map<Sym, number>;
      this.extensions = transient.extensions;
      this.ids = transient.ids.take(length);
      this.counts = transient.counts.take(capacity).fill(0, 0, capacity);
      this.used = transient.used.take(capacity).fill(0, 0, capacity);
    }
    for (let i = 0; i < length; i++) {
      const symbol = symbols[i] as Sym;
      let id = this.symbols.get(symbol);
      if (id === undefined) {
        id = this.symbols.size;
        this.symbols.set(symbol, id);
      }
      this.ids[i] = id;
      this.counts[id] = (this.counts[id] as number) + 1;
    }
    this.alphabet = this.symbols.size;
    if (maxOrder > 1) this.indexNgrams();
  }

  private indexNgrams(): void {
    const current = hypothesisGrams.take(this.length);
    current.set(this.ids.subarray(0, this.length));
    let next = this.alphabet;
    for (let n = 2; n <= this.maxOrder; n++) {
      for (let start = 0; start + n <= this.length; start++) {
        const key = (current[start] as number) * this.alphabet + (this.ids[start + n - 1] as number);
        let id = this.extensions.get(key);
        if (id === undefined) {
          id = next++;
          this.extensions.set(key, id);
        }
        this.counts[id] = (this.counts[id] as number) + 1;
        current[start] = id;
      }
    }
  }

  /** The first `length` symbols of a hypothesis as the reference numbers them, −1 for those it lacks (shared scratch). */
  idsOf(hypothesis: ArrayLike<Sym>, length = hypothesis.length): Int32Array {
    const ids = hypothesisSymbols.take(length);
    for (let i = 0; i < length; i++) ids[i] = this.symbols.get(hypothesis[i] as Sym) ?? -1;
    return ids;
  }

  /**
   * For n = 1…maxOrder, Σ over n-grams g of min(count of g in the hypothesis, count in the reference):
   * the clipped n-gram matches of BLEU, GLEU and ROUGE-N.
   */
  clippedMatches(hypothesis: readonly Sym[], maxOrder = this.maxOrder): number[] {
    if (maxOrder > this.maxOrder) throw new RangeError(`this reference is indexed up to ${this.maxOrder}-grams, not ${maxOrder}-grams`);
    const length = hypothesis.length;
    const ids = this.idsOf(hypothesis);
    const grams = hypothesisGrams.take(length);
    grams.set(ids.subarray(0, length));
    const matches: number[] = [];
    for (let n = 1; n <= maxOrder; n++) {
      const last = length - n;
      if (n > 1) {
        for (let start = 0; start <= last; start++) {
          const prefix = grams[start] as number;
          const symbol = ids[start + n - 1] as number;
          grams[start] = prefix < 0 || symbol < 0 ? -1 : (this.extensions.get(prefix * this.alphabet + symbol) ?? -1);
        }
      }
      let matched = 0;
      for (let start = 0; start <= last; start++) {
        const id = grams[start] as number;
        if (id >= 0 && (this.used[id] as number) < (this.counts[id] as number)) {
          this.used[id] = (this.used[id] as number) + 1;
          matched++;
        }
      }
      for (let start = 0; start <= last; start++) {
        const id = grams[start] as number;
        if (id >= 0) this.used[id] = 0;
      }
      matches.push(matched);
    }
    return matches;
  }
}

/** How many n-grams of order n a text of `length` symbols has. */
export function ngramTotal(length: number, n: number): number {
  return Math.max(0, length - n + 1);
}

/**
 * References prepared once and kept, by their text, for one grader: datasets often have a few expected
 * answers for many questions. A reference is kept from the second time it is seen (one seen once is
 * prepared in the shared buffers and dropped), so that a dataset of all-different references costs no
 * more than without a cache. Bounded by entries and by characters, least recently used out first.
 */
export class ReferenceCache<Entry> {
  private readonly entries = new Map<string, { entry: Entry; size: number }>();
  /**
   * Hashes of references seen once and not kept yet, one per slot: a table of numbers rather than a
   * set of strings, so that references seen once are not held on to (a collision only keeps one early).
   */
  private readonly seen: Int32Array;
  private characters = 0;
  private readonly maxEntries: number;
  private readonly maxCharacters: number;

  constructor(maxEntries = 1024, maxCharacters = 1_000_000) {
    this.maxEntries = maxEntries;
    this.maxCharacters = maxCharacters;
    this.seen = new Int32Array(2 ** Math.ceil(Math.log2(Math.max(16, maxEntries * 4))));
  }

  /** The prepared reference; `prepare(reference, keep)` makes it, to keep or for this once. */
  get(reference: string, prepare: (reference: string, keep: boolean) => Entry): Entry {
    const found = this.entries.get(reference);
    if (found) {
      // Most recently used last: a Map keeps insertion order.
      this.entries.delete(reference);
      this.entries.set(reference, found);
      return found.entry;
    }
    if (reference.length > this.maxCharacters / 4) return prepare(reference, false);
    const hash = fnv1a(reference) | 1;
    const slot = hash & (this.seen.length - 1);
    if (this.seen[slot] !== hash) {
      this.seen[slot] = hash;
      return prepare(reference, false);
    }
    this.seen[slot] = 0;
    const entry = prepare(reference, true);
    this.entries.set(reference, { entry, size: reference.length });
    this.characters += reference.length;
    for (const [key, value] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.characters <= this.maxCharacters) break;
      this.entries.delete(key);
      this.characters -= value.size;
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** FNV-1a over UTF-16 code units: a 32-bit hash, as an int32. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}
