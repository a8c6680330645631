// The two tokenizations the metrics use. Both are stated exactly so that the Python reference
// (scripts/reference-metrics.py) can use the very same tokens.

/**
 * Words (runs of Unicode letters, marks and digits) and single punctuation or symbol characters;
 * everything else (spaces, control and format characters) only separates. Case is kept.
 * `Don't stop—3.14` → `Don ' t stop — 3 . 14`. The same pattern, compiled by Python's `regex`
 * module, gives the same tokens.
 */
const WORD_OR_MARK = /[\p{L}\p{M}\p{N}]+|[\p{P}\p{S}]/gu;

/** Tokens for BLEU, GLEU and METEOR (NLTK's metrics take tokens; this is the tokenizer we chose). */
export function wordTokens(text: string): string[] {
  return text.match(WORD_OR_MARK) ?? [];
}

/**
 * Tokens as Google's `rouge_score` makes them (`tokenize.tokenize` without a stemmer): lowercase,
 * every run of characters other than ASCII letters and digits becomes a space, split. So `café`
 * gives `caf`, and text without ASCII letters or digits has no tokens at all.
 */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((token) => token !== '');
}
