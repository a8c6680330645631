// The metrics of the `text_similarity` grader. OpenAI does not publish its implementation; each
// metric here matches the reference library named on it (rapidfuzz, NLTK, Google's rouge_score),
// checked against values that scripts/reference-metrics.py computes with those libraries.
//
// Every metric gives a score in [0, 1]. Empty texts score as the libraries make them: two empty
// strings are a perfect fuzzy match (1) and score 0 on every token metric (no tokens, no matches).

import { bleu } from './metrics/bleu.js';
import { fuzzyMatch } from './metrics/fuzzy-match.js';
import { gleu } from './metrics/gleu.js';
import { meteor } from './metrics/meteor.js';
import { rougeL, rougeN } from './metrics/rouge.js';

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
  switch (metric) {
    case 'fuzzy_match':
      return fuzzyMatch(input, reference);
    case 'bleu':
      return bleu(input, reference);
    case 'gleu':
      return gleu(input, reference);
    case 'meteor':
      return meteor(input, reference);
    case 'rouge_1':
      return rougeN(input, reference, 1);
    case 'rouge_2':
      return rougeN(input, reference, 2);
    case 'rouge_3':
      return rougeN(input, reference, 3);
    case 'rouge_4':
      return rougeN(input, reference, 4);
    case 'rouge_5':
      return rougeN(input, reference, 5);
    case 'rouge_l':
      return rougeL(input, reference);
    default:
      throw new Error(
        `"${String(metric)}" is not computed from texts alone (cosine needs embeddings); expected one of ${TEXT_ONLY_METRICS.join(', ')}.`,
      );
  }
}
