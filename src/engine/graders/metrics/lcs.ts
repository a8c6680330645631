// Length of the longest common subsequence, bit-parallel (Hyyrö 2004, "Bit-parallel LCS-length
// computation revisited", after Allison & Dix 1986): O(n·⌈m/32⌉) word operations instead of the
// O(n·m) table, which is what rapidfuzz does too. Used for fuzzy matching (on characters) and for
// ROUGE-L (on tokens).

/** The LCS length of two sequences of symbols (code points, token ids: any integers). */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [pattern, text] = a.length <= b.length ? [a, b] : [b, a];
  const m = pattern.length;
  if (m === 0) return 0;
  const words = Math.ceil(m / 32);

  // For each symbol, a bit mask of the pattern positions that hold it.
  const positions = new Map<number, Uint32Array>();
  for (let i = 0; i < m; i++) {
    const symbol = pattern[i] as number;
    let mask = positions.get(symbol);
    if (mask === undefined) {
      mask = new Uint32Array(words);
      positions.set(symbol, mask);
    }
    mask[i >>> 5] = (mask[i >>> 5] as number) | (1 << (i & 31));
  }

  // V starts all ones; each text symbol updates V = (V + U) | (V − U) with U = V & mask. Since U ⊆ V,
  // V − U is V & ~U, so only the addition carries from word to word.
  const v = new Uint32Array(words).fill(0xffffffff);
  for (let j = 0; j < text.length; j++) {
    const mask = positions.get(text[j] as number);
    if (mask === undefined) continue;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const vw = v[w] as number;
      const u = (vw & (mask[w] as number)) >>> 0;
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
  return m - ones;
}

function popCount(x: number): number {
  let n = x >>> 0;
  n -= (n >>> 1) & 0x55555555;
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  n = (n + (n >>> 4)) & 0x0f0f0f0f;
  return Math.imul(n, 0x01010101) >>> 24;
}

/** Gives equal tokens equal integer ids, for `lcsLength` on token sequences. */
export function tokenIds(first: readonly string[], second: readonly string[]): [number[], number[]] {
  const ids = new Map<string, number>();
  const idOf = (token: string): number => {
    let id = ids.get(token);
    if (id === undefined) {
      id = ids.size;
      ids.set(token, id);
    }
    return id;
  };
  return [first.map(idOf), second.map(idOf)];
}
