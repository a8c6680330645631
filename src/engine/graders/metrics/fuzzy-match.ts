import { lcsOfIds } from './lcs.js';
import { ReferenceIndex } from './reference-index.js';

/**
 * Normalized Indel similarity, what rapidfuzz's `fuzz.ratio(input, reference) / 100` computes:
 * 1 − (insertions + deletions turning one string into the other) / (total length), i.e.
 * 2·LCS / (|a| + |b|). On Unicode code points (as Python strings count), case-sensitive, no
 * preprocessing. Two empty strings score 1, as in rapidfuzz.
 */
export function fuzzyMatch(input: string, reference: string): number {
  return fuzzyMatchAgainst(input, fuzzyReference(reference, false));
}

/** A reference ready for `fuzzyMatchAgainst`: its code points, numbered. */
export function fuzzyReference(reference: string, keep = true): ReferenceIndex<number> {
  const length = codePoints(reference);
  return new ReferenceIndex(points, { length, keep });
}

export function fuzzyMatchAgainst(input: string, reference: ReferenceIndex<number>): number {
  const length = codePoints(input);
  const lengthSum = length + reference.length;
  if (lengthSum === 0) return 1;
  const common = lcsOfIds(reference.idsOf(points, length), length, reference.ids, reference.length, reference.alphabet);
  return 1 - (lengthSum - 2 * common) / lengthSum;
}

let points = new Int32Array(256);

/** Puts the text's code points in `points` (grown as needed) without a string per character; returns how many. */
function codePoints(text: string): number {
  if (points.length < text.length) points = new Int32Array(Math.max(text.length, points.length * 2));
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const point = text.codePointAt(i) as number;
    if (point > 0xffff) i++;
    points[count++] = point;
  }
  return count;
}
