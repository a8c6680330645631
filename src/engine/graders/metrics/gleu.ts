import { ngramTotal, ReferenceIndex } from './reference-index.js';
import { wordTokens } from './tokenize.js';

const MAX_ORDER = 4;

/**
 * Sentence GLEU (Wu et al. 2016, "Google's Neural Machine Translation System"), as NLTK's
 * `sentence_gleu([reference], input)` (min_len 1, max_len 4) computes it: over all 1- to 4-grams,
 * matches / max(hypothesis n-grams, reference n-grams), i.e. min(precision, recall). Symmetric.
 * Tokens: `wordTokens`, case-sensitive. 0 when both texts have no tokens, as in NLTK.
 */
export function gleu(input: string, reference: string): number {
  return gleuAgainst(input, gleuReference(reference, false));
}

export function gleuReference(reference: string, keep = true): ReferenceIndex<string> {
  return new ReferenceIndex(wordTokens(reference), { maxOrder: MAX_ORDER, keep });
}

export function gleuAgainst(input: string, reference: ReferenceIndex<string>): number {
  const hypothesis = wordTokens(input);
  let matched = 0;
  for (const matches of reference.clippedMatches(hypothesis, MAX_ORDER)) matched += matches;
  let hypothesisGrams = 0;
  let referenceGrams = 0;
  for (let n = 1; n <= MAX_ORDER; n++) {
    hypothesisGrams += ngramTotal(hypothesis.length, n);
    referenceGrams += ngramTotal(reference.length, n);
  }
  const all = Math.max(hypothesisGrams, referenceGrams);
  return all === 0 ? 0 : matched / all;
}
