import { createHash } from 'node:crypto';

/**
 * A short, stable hash of a JSON value: the same data gives the same fingerprint whatever the order of
 * its object keys. It tells whether two runs evaluated the same dataset, and pairs items by content
 * when they did not.
 */
export function fingerprint(value: unknown): string {
  const hash = createHash('sha256');
  // The pieces are tiny (a key, a comma): handed to the hash in chunks, not one native call each.
  let chunk = '';
  writeCanonical(value, (text) => {
    chunk += text;
    if (chunk.length >= HASH_CHUNK_CHARS) {
      hash.update(chunk);
      chunk = '';
    }
  });
  hash.update(chunk);
  // Only the 16 characters kept: a slice of the 64-character hex would keep the whole of it alive (100,000
  // items' content hashes are held until the run is compared and recorded).
  return hash.digest().toString('hex', 0, 8);
}

const HASH_CHUNK_CHARS = 64 * 1024;

/**
 * The fingerprint of a data source's rows. For inline rows only the items count: pre-generated samples
 * are the outputs under test, so a change of them is the same dataset answered differently.
 */
export function datasetFingerprint(source: unknown): string {
  if (typeof source === 'object' && source !== null && !Array.isArray(source)) {
    const { type, content } = source as { type?: unknown; content?: unknown };
    if (type === 'file_content' && Array.isArray(content)) {
      return fingerprint(content.map((row: unknown) => (typeof row === 'object' && row !== null && 'item' in row ? (row as { item: unknown }).item : row)));
    }
  }
  return fingerprint(source);
}

/** JSON with object keys sorted, streamed to `write` so that a 100,000-row dataset is never one string. */
function writeCanonical(value: unknown, write: (text: string) => void): void {
  if (value === null || typeof value !== 'object') {
    // undefined and functions are not JSON: as JSON.stringify does inside arrays, they become null.
    write(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    write('[');
    value.forEach((entry, index) => {
      if (index > 0) write(',');
      writeCanonical(entry, write);
    });
    write(']');
    return;
  }
  write('{');
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  keys.forEach((key, index) => {
    if (index > 0) write(',');
    write(JSON.stringify(key));
    write(':');
    writeCanonical((value as Record<string, unknown>)[key], write);
  });
  write('}');
}
