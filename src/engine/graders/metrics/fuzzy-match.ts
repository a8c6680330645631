import { lcsLength } from './lcs.js';

/**
 * Normalized Indel similarity, what rapidfuzz's `fuzz.ratio(input, reference) / 100` computes:
 * 1 − (insertions + deletions turning one string into the other) / (total length), i.e.
 * 2·LCS / (|a| + |b|). On Unicode code points (as Python strings count), case-sensitive, no
 * preprocessing. Two empty strings score 1, as in rapidfuzz.
 */
export function fuzzyMatch(input: string, reference: string): number {
  const a = codePoints(input);
  const b = codePoints(reference);
  const lengthSum = a.length + b.length;
  if (lengthSum === 0) return 1;
  const indelDistance = lengthSum - 2 * lcsLength(a, b);
  return 1 - indelDistance / lengthSum;
}

function codePoints(text: string): number[] {
  const points: number[] = [];
  for (const character of text) points.push(character.codePointAt(0) as number);
  return points;
}
