/**
 * Cosine similarity of two embedding vectors, a·b / (|a|·|b|), clamped to [0, 1] so that it reads as
 * a score like the other metrics (embeddings of texts rarely point apart; when they do, 0).
 * A zero vector has no direction: it scores 0 against anything, itself included.
 * Throws for vectors of different lengths, empty vectors and non-finite components: each means
 * the embeddings came back wrong, not that the texts differ.
 */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new Error(`cosine similarity needs vectors of the same length; got ${a.length} and ${b.length}.`);
  }
  if (a.length === 0) throw new Error('cosine similarity needs non-empty vectors; got two empty ones.');
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new Error(`cosine similarity needs finite numbers; component ${i} is ${x} and ${y}.`);
    }
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return Math.min(1, Math.max(0, dot / (Math.sqrt(aa) * Math.sqrt(bb))));
}
