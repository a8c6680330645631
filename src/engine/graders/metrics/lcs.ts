// Length of the longest common subsequence, bit-parallel (Hyyrö 2004, "Bit-parallel LCS-length
// computation revisited", after Allison & Dix 1986): O(n·⌈m/32⌉) word operations instead of the
// O(n·m) table, which is what rapidfuzz does too. Used for fuzzy matching (on characters) and for
// ROUGE-L (on tokens).

/** Above this many mask words (16 MiB), the masks are kept only for the symbols the pattern has. */
const DENSE_MASK_WORDS = 1 << 22;

// Scratch, grown as needed and reused (scoring is synchronous). `masks` is all zeros between calls.
let masks = new Uint32Array(1024);
let vector = new Uint32Array(32);

/** The LCS length of two sequences of symbols (code points, token ids: any integers). */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const numbers = new Map<number, number>();
  const number = (symbol: number) => {
    let id = numbers.get(symbol);
    if (id === undefined) numbers.set(symbol, (id = numbers.size));
    return id;
  };
  const aIds = Int32Array.from({ length: a.length }, (_, i) => number(a[i] as number));
  const bIds = Int32Array.from({ length: b.length }, (_, i) => number(b[i] as number));
  return lcsOfIds(aIds, a.length, bIds, b.length, numbers.size);
}

/**
 * The LCS length of the first `aLength` and `bLength` symbols of `a` and `b`, symbols numbered in
 * [0, alphabet); a negative symbol matches nothing (a symbol the other sequence does not have).
 */
export function lcsOfIds(a: ArrayLike<number>, aLength: number, b: ArrayLike<number>, bLength: number, alphabet: number): number {
  const patternFirst = aLength <= bLength;
  const pattern = patternFirst ? a : b;
  const m = patternFirst ? aLength : bLength;
  const text = patternFirst ? b : a;
  const n = patternFirst ? bLength : aLength;
  if (m === 0) return 0;
  const words = Math.ceil(m / 32);
  if (alphabet * words > DENSE_MASK_WORDS) return lcsOfSparse(pattern, m, text, n);

  if (masks.length < alphabet * words) masks = new Uint32Array(Math.max(alphabet * words, masks.length * 2));
  if (vector.length < words) vector = new Uint32Array(Math.max(words, vector.length * 2));
  // For each symbol, a bit mask of the pattern positions that hold it: row `symbol`, `words` words.
  for (let i = 0; i < m; i++) {
    const symbol = pattern[i] as number;
    if (symbol >= 0) masks[symbol * words + (i >>> 5)] = (masks[symbol * words + (i >>> 5)] as number) | (1 << (i & 31));
  }
  const ones = runVector(text, n, words, m, (symbol) => (symbol >= 0 ? symbol * words : -1), masks);
  for (let i = 0; i < m; i++) {
    const symbol = pattern[i] as number;
    if (symbol >= 0) masks[symbol * words + (i >>> 5)] = 0;
  }
  return m - ones;
}

/** The same with masks for the pattern's own symbols only (a huge alphabet, a long pattern). */
function lcsOfSparse(pattern: ArrayLike<number>, m: number, text: ArrayLike<number>, n: number): number {
  const words = Math.ceil(m / 32);
  const rows = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const symbol = pattern[i] as number;
    if (symbol >= 0 && !rows.has(symbol)) rows.set(symbol, rows.size * words);
  }
  const sparse = new Uint32Array(rows.size * words);
  for (let i = 0; i < m; i++) {
    const row = rows.get(pattern[i] as number);
    if (row !== undefined) sparse[row + (i >>> 5)] = (sparse[row + (i >>> 5)] as number) | (1 << (i & 31));
  }
  if (vector.length < words) vector = new Uint32Array(Math.max(words, vector.length * 2));
  return m - runVector(text, n, words, m, (symbol) => rows.get(symbol) ?? -1, sparse);
}

/** Runs the text through the bit vector; returns the number of one bits left among the m positions. */
function runVector(text: ArrayLike<number>, n: number, words: number, m: number, rowOf: (symbol: number) => number, rows: Uint32Array): number {
  // V starts all ones; each text symbol updates V = (V + U) | (V − U) with U = V & mask. Since U ⊆ V,
  // V − U is V & ~U, so only the addition carries from word to word.
  const v = vector;
  v.fill(0xffffffff, 0, words);
  for (let j = 0; j < n; j++) {
    const row = rowOf(text[j] as number);
    if (row < 0) continue;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const vw = v[w] as number;
      const u = (vw & (rows[row + w] as number)) >>> 0;
      const sum = vw + u + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      v[w] = (sum >>> 0) | (vw & ~u);
    }
  }
  // The LCS length is the number of zero bits among the pattern's m positions.
  let ones = 0;
  for (let w = 0; w < words; w++) {
    const used = w === words - 1 && m % 32 !== 0 ? (1 << m % 32) - 1 : 0xffffffff;
    ones += popCount((v[w] as number) & used);
  }
  return ones;
}

function popCount(x: number): number {
  let n = x >>> 0;
  n -= (n >>> 1) & 0x55555555;
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  n = (n + (n >>> 4)) & 0x0f0f0f0f;
  return Math.imul(n, 0x01010101) >>> 24;
}
