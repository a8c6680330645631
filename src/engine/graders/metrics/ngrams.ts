// N-gram counting shared by BLEU, GLEU and ROUGE-N.

// Joins the tokens of one n-gram into a map key. Neither tokenizer ever yields a control character,
// so keys of different n-grams (of any orders) cannot collide.
const SEPARATOR = '\u0000';

/** How often each n-gram of order `n` occurs in `tokens` (none when there are fewer than n tokens). */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= tokens.length; start++) {
    const key = tokens.slice(start, start + n).join(SEPARATOR);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The sum of a count map's values. */
export function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}

/** Σ min(a[g], b[g]): the clipped overlap of two n-gram count maps. */
export function overlap(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [gram, count] of a) sum += Math.min(count, b.get(gram) ?? 0);
  return sum;
}
