import { ngramCounts, overlap, total } from './ngrams.js';
import { wordTokens } from './tokenize.js';

const MIN_ORDER = 1;
const MAX_ORDER = 4;

/**
 * Sentence GLEU (Wu et al. 2016, "Google's Neural Machine Translation System"), as NLTK's
 * `sentence_gleu([reference], input)` (min_len 1, max_len 4) computes it: over all 1- to 4-grams,
 * matches / max(hypothesis n-grams, reference n-grams), i.e. min(precision, recall). Symmetric.
 * Tokens: `wordTokens`, case-sensitive. 0 when both texts have no tokens, as in NLTK.
 */
export function gleu(input: string, reference: string): number {
  const hypothesis = everygramCounts(wordTokens(input));
  const references = everygramCounts(wordTokens(reference));
  const all = Math.max(total(hypothesis), total(references));
  return all === 0 ? 0 : overlap(hypothesis, references) / all;
}

function everygramCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = MIN_ORDER; n <= MAX_ORDER; n++) {
    for (const [gram, count] of ngramCounts(tokens, n)) counts.set(gram, count);
  }
  return counts;
}
