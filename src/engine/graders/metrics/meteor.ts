import { porterStem } from './porter-stemmer.js';
import { wordTokens } from './tokenize.js';

const ALPHA = 0.9;
const BETA = 3;
const GAMMA = 0.5;

/** A token still unmatched: its position in its text, and its form at this matching stage. */
interface Word {
  position: number;
  form: string;
}

/**
 * METEOR (Lavie & Agarwal 2007) as NLTK's `meteor_score([reference], input)` computes it (alpha 0.9,
 * beta 3, gamma 0.5): tokens lowercased, aligned by exact match and then by Porter stem, then
 * Fmean = P·R / (α·P + (1−α)·R), less a fragmentation penalty γ·(chunks/matches)^β.
 *
 * NLTK's third stage, WordNet synonyms, is left out: WordNet's data cannot be shipped or fetched here.
 * The reference values come from NLTK with a WordNet that knows no synsets, which is this.
 * Not symmetric (recall weighs more); identical texts of n tokens score 1 − 0.5/n³, not 1;
 * 0 when either text has no tokens. Tokens: `wordTokens`.
 */
export function meteor(input: string, reference: string): number {
  const hypothesis = wordTokens(input).map((token, position) => ({ position, form: token.toLowerCase() }));
  const references = wordTokens(reference).map((token, position) => ({ position, form: token.toLowerCase() }));

  const exact = matchForms(hypothesis, references);
  const stem = (words: readonly Word[]): Word[] => words.map(({ position, form }) => ({ position, form: porterStem(form) }));
  const stemmed = matchForms(stem(exact.hypothesisLeft), stem(exact.referenceLeft));
  const matches = [...exact.matches, ...stemmed.matches].sort((x, y) => x[0] - y[0]);

  const matched = matches.length;
  if (matched === 0) return 0;
  const precision = matched / hypothesis.length;
  const recall = matched / references.length;
  const fMean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall);
  const penalty = GAMMA * (countChunks(matches) / matched) ** BETA;
  return (1 - penalty) * fMean;
}

/**
 * NLTK's `_match_enums`: from the last hypothesis word back, each word takes the last still-unused
 * reference word of the same form. Returns the [hypothesis, reference] position pairs and the rest.
 */
function matchForms(
  hypothesis: readonly Word[],
  references: readonly Word[],
): { matches: [number, number][]; hypothesisLeft: Word[]; referenceLeft: Word[] } {
  const positionsByForm = new Map<string, number[]>();
  references.forEach(({ form }, index) => {
    const indexes = positionsByForm.get(form);
    if (indexes === undefined) positionsByForm.set(form, [index]);
    else indexes.push(index);
  });
  const matches: [number, number][] = [];
  const usedHypothesis = new Set<number>();
  const usedReference = new Set<number>();
  for (let i = hypothesis.length - 1; i >= 0; i--) {
    const word = hypothesis[i] as Word;
    const j = positionsByForm.get(word.form)?.pop();
    if (j === undefined) continue;
    usedHypothesis.add(i);
    usedReference.add(j);
    matches.push([word.position, (references[j] as Word).position]);
  }
  return {
    matches,
    hypothesisLeft: hypothesis.filter((_, i) => !usedHypothesis.has(i)),
    referenceLeft: references.filter((_, j) => !usedReference.has(j)),
  };
}

/** The fewest runs of matches adjacent in both texts (matches sorted by hypothesis position). */
function countChunks(matches: readonly [number, number][]): number {
  let chunks = 1;
  for (let i = 0; i + 1 < matches.length; i++) {
    const [h, r] = matches[i] as [number, number];
    const [nextH, nextR] = matches[i + 1] as [number, number];
    if (nextH !== h + 1 || nextR !== r + 1) chunks++;
  }
  return chunks;
}
