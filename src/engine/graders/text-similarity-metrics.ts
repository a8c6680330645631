// The metrics of the `text_similarity` grader. OpenAI does not publish its implementation; each
// metric here matches the reference library named on it (rapidfuzz, NLTK, Google's rouge_score),
// checked against values that scripts/reference-metrics.py computes with those libraries.
//
// Every metric gives a score in [0, 1]. Empty texts score as the libraries make them: two empty
// strings are a perfect fuzzy match (1) and score 0 on every token metric (no tokens, no matches).

import { bleuAgainst, bleuReference } from './metrics/bleu.js';
import { fuzzyMatchAgainst, fuzzyReference } from './metrics/fuzzy-match.js';
import { gleuAgainst, gleuReference } from './metrics/gleu.js';
import { meteor } from './metrics/meteor.js';
import { ReferenceCache, type ReferenceIndex } from './metrics/reference-index.js';
import { rougeLAgainst, rougeNAgainst, rougeReference } from './metrics/rouge.js';

export { bleu } from './metrics/bleu.js';
export { cosineSimilarity } from './metrics/cosine.js';
export { fuzzyMatch } from './metrics/fuzzy-match.js';
export { gleu } from './metrics/gleu.js';
export { meteor } from './metrics/meteor.js';
export { rougeL, rougeN } from './metrics/rouge.js';

/** The grader's `evaluation_metric` values. */
export const TEXT_SIMILARITY_METRICS = [
  'fuzzy_match',
  'bleu',
  'gleu',
  'meteor',
  'rouge_1',
  'rouge_2',
  'rouge_3',
  'rouge_4',
  'rouge_5',
  'rouge_l',
  'cosine',
] as const;

export type TextSimilarityMetric = (typeof TEXT_SIMILARITY_METRICS)[number];

/** The metrics computed from the two texts alone (cosine needs their embeddings). */
export type TextOnlyMetric = Exclude<TextSimilarityMetric, 'cosine'>;

const TEXT_ONLY_METRICS = TEXT_SIMILARITY_METRICS.filter((metric) => metric !== 'cosine');

export function isTextSimilarityMetric(name: unknown): name is TextSimilarityMetric {
  return (TEXT_SIMILARITY_METRICS as readonly unknown[]).includes(name);
}

/** The score in [0, 1] of `input` (the model's output) against `reference` under `metric`. */
export function textSimilarity(metric: TextOnlyMetric, input: string, reference: string): number {
  const { prepare, score } = scoring(metric);
  return score(input, prepare(reference, false));
}

/**
 * `textSimilarity` for one grader: each distinct reference is tokenized and its n-grams counted once,
 * then kept (a bounded cache) for the next items that have it.
 */
export function textSimilarityScorer(metric: TextOnlyMetric): (input: string, reference: string) => number {
  const { prepare, score } = scoring(metric);
  const references = new ReferenceCache<unknown>();
  return (input, reference) => score(input, references.get(reference, prepare));
}

interface Scoring {
  /** `keep`: the prepared reference is kept (cached); else it may borrow buffers the next one reuses. */
  prepare(reference: string, keep: boolean): unknown;
  score(input: string, prepared: unknown): number;
}

function scoring(metric: TextOnlyMetric): Scoring {
  const against = <Sym extends string | number>(prepare: (reference: string, keep: boolean) => ReferenceIndex<Sym>, score: (input: string, reference: ReferenceIndex<Sym>) => number): Scoring => ({
    prepare,
    score: (input, prepared) => score(input, prepared as ReferenceIndex<Sym>),
  });
  const rougeOrder = (n: number) => against((reference, keep) => rougeReference(reference, n, keep), (input, reference) => rougeNAgainst(input, reference, n));
  switch (metric) {
    case 'fuzzy_match':
      return against(fuzzyReference, fuzzyMatchAgainst);
    case 'bleu':
      return against(bleuReference, bleuAgainst);
    case 'gleu':
      return against(gleuReference, gleuAgainst);
    case 'meteor':
      // METEOR's matching consumes its reference's words as it goes: nothing worth keeping.
      return { prepare: (reference) => reference, score: (input, reference) => meteor(input, reference as string) };
    case 'rouge_1':
      return rougeOrder(1);
    case 'rouge_2':
      return rougeOrder(2);
    case 'rouge_3':
      return rougeOrder(3);
    case 'rouge_4':
      return rougeOrder(4);
    case 'rouge_5':
      return rougeOrder(5);
    case 'rouge_l':
      return against((reference, keep) => rougeReference(reference, 1, keep), rougeLAgainst);
    default:
      throw new Error(
        `"${String(metric)}" is not computed from texts alone (cosine needs embeddings); expected one of ${TEXT_ONLY_METRICS.join(', ')}.`,
      );
  }
}
