import { ReferenceIndex } from './reference-index.js';
import { wordTokens } from './tokenize.js';

export const BLEU_MAX_ORDER = 4;
const WEIGHT = 1 / BLEU_MAX_ORDER;
// Chen & Cherry's K for smoothing method 4 (NLTK's SmoothingFunction default, k=5).
const SMOOTHING_K = 5;

/**
 * Sentence BLEU (Papineni et al. 2002) of `input` against the one `reference`, as NLTK's
 * `sentence_bleu([reference], input, smoothing_function=SmoothingFunction().method4)` computes it:
 * modified n-gram precisions for n = 1..4 with uniform weights, times the brevity penalty.
 *
 * Without smoothing, one missing 4-gram match makes the score 0, which is useless on short answers.
 * Method 4 (Chen & Cherry 2014, the one Azure's BleuScoreEvaluator uses) replaces the k-th zero
 * precision by ln(len)/(K·2^k)/(n-gram count). Tokens: `wordTokens`, case-sensitive.
 * Like NLTK: 0 when no unigram matches, so 0 whenever either text has no tokens; and identical texts
 * of two or three tokens score well below 1 (≈0.22 and ≈0.58), having no 4-grams to match.
 */
export function bleu(input: string, reference: string): number {
  return bleuAgainst(input, bleuReference(reference, false));
}

/** A reference ready for `bleuAgainst`: its tokens' 1- to 4-grams, counted once (`keep`: see ReferenceIndex). */
export function bleuReference(reference: string, keep = true): ReferenceIndex<string> {
  return new ReferenceIndex(wordTokens(reference), { maxOrder: BLEU_MAX_ORDER, keep });
}

export function bleuAgainst(input: string, reference: ReferenceIndex<string>): number {
  const hypothesis = wordTokens(input);
  const matches = reference.clippedMatches(hypothesis, BLEU_MAX_ORDER);
  if (matches[0] === 0) return 0;

  const length = hypothesis.length;
  let zeroes = 0;
  let logSum = 0;
  for (let n = 1; n <= BLEU_MAX_ORDER; n++) {
    const matched = matches[n - 1] as number;
    // NLTK keeps the denominator at least 1 (n-grams longer than the hypothesis).
    const count = Math.max(1, length - n + 1);
    let precision = matched / count;
    if (matched === 0 && length > 1) {
      zeroes += 1;
      precision = 1 / ((2 ** zeroes * SMOOTHING_K) / Math.log(length)) / count;
    }
    // NLTK leaves out precisions that are still 0 (a one-token hypothesis), rather than scoring 0.
    if (precision > 0) logSum += WEIGHT * Math.log(precision);
  }
  return brevityPenalty(reference.length, length) * Math.exp(logSum);
}

/** BLEU's brevity penalty: 1 for a hypothesis longer than the reference, else e^(1 − r/c). */
function brevityPenalty(referenceLength: number, hypothesisLength: number): number {
  if (hypothesisLength > referenceLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - referenceLength / hypothesisLength);
}
