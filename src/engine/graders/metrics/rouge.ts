import { lcsOfIds } from './lcs.js';
import { ngramTotal, ReferenceIndex } from './reference-index.js';
import { rougeTokens } from './tokenize.js';

// ROUGE (Lin 2004) F-measures as Google's `rouge_score` package computes them with
// `RougeScorer(['rougeN', 'rougeL'], use_stemmer=False).score(reference, input)`: its tokenizer
// (`rougeTokens`), clipped n-gram overlap, and sentence-level LCS for rouge-L (not summary-level Lsum).
// F1 is symmetric in precision and recall, so these are symmetric in input and reference.

/** ROUGE-N F1 for n-grams of order `n` (a positive integer; the grader uses 1 to 5). */
export function rougeN(input: string, reference: string, n: number): number {
  return rougeNAgainst(input, rougeReference(reference, n, false), n);
}

/** A reference ready for ROUGE-N (its n-grams up to `n`) or ROUGE-L (`n` = 1). */
export function rougeReference(reference: string, n = 1, keep = true): ReferenceIndex<string> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rougeN needs a positive integer n; got ${n}.`);
  return new ReferenceIndex(rougeTokens(reference), { maxOrder: n, keep });
}

export function rougeNAgainst(input: string, reference: ReferenceIndex<string>, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rougeN needs a positive integer n; got ${n}.`);
  const prediction = rougeTokens(input);
  const matches = reference.clippedMatches(prediction, n)[n - 1] as number;
  return fMeasure(matches / Math.max(ngramTotal(prediction.length, n), 1), matches / Math.max(ngramTotal(reference.length, n), 1));
}

/** ROUGE-L F1: from the length of the longest common subsequence of tokens. */
export function rougeL(input: string, reference: string): number {
  return rougeLAgainst(input, rougeReference(reference, 1, false));
}

export function rougeLAgainst(input: string, reference: ReferenceIndex<string>): number {
  const prediction = rougeTokens(input);
  if (prediction.length === 0 || reference.length === 0) return 0;
  const common = lcsOfIds(reference.idsOf(prediction), prediction.length, reference.ids, reference.length, reference.alphabet);
  return fMeasure(common / prediction.length, common / reference.length);
}

function fMeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
