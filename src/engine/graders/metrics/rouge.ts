import { lcsLength, tokenIds } from './lcs.js';
import { ngramCounts, overlap, total } from './ngrams.js';
import { rougeTokens } from './tokenize.js';

// ROUGE (Lin 2004) F-measures as Google's `rouge_score` package computes them with
// `RougeScorer(['rougeN', 'rougeL'], use_stemmer=False).score(reference, input)`: its tokenizer
// (`rougeTokens`), clipped n-gram overlap, and sentence-level LCS for rouge-L (not summary-level Lsum).
// F1 is symmetric in precision and recall, so these are symmetric in input and reference.

/** ROUGE-N F1 for n-grams of order `n` (a positive integer; the grader uses 1 to 5). */
export function rougeN(input: string, reference: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rougeN needs a positive integer n; got ${n}.`);
  const prediction = ngramCounts(rougeTokens(input), n);
  const target = ngramCounts(rougeTokens(reference), n);
  const matches = overlap(target, prediction);
  return fMeasure(matches / Math.max(total(prediction), 1), matches / Math.max(total(target), 1));
}

/** ROUGE-L F1: from the length of the longest common subsequence of tokens. */
export function rougeL(input: string, reference: string): number {
  const prediction = rougeTokens(input);
  const target = rougeTokens(reference);
  if (prediction.length === 0 || target.length === 0) return 0;
  const [predictionIds, targetIds] = tokenIds(prediction, target);
  const common = lcsLength(predictionIds, targetIds);
  return fMeasure(common / prediction.length, common / target.length);
}

function fMeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
