import { fingerprint } from '../shared/fingerprint.js';

/** Characters GitHub refuses in an artifact's name (the names must work on every file system). */
const FORBIDDEN = /[":<>|*?\r\n\\/]/;
const FORBIDDEN_ALL = /[":<>|*?\r\n\\/]+/g;
/** Room for the prefix, the hash and the extension within a file name's 255 bytes. */
const KEY_CHARS = 60;

/**
 * The artifact name `results-artifact: auto` gives a gate: readable from its key, and unique to it (a
 * hash of the exact key), so matrix gates with different `comment-key`s never collide. The record is
 * uploaded as one unzipped file, whose name is the artifact's.
 */
export function autoArtifactName(gateKey: string): string {
  const readable = gateKey
    .replace(FORBIDDEN_ALL, '-')
    .replace(/[^\x20-\x7e]+/g, '-')
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, KEY_CHARS)
    .replace(/[-.]+$/, '');
  return `evals-gate-${readable ? `${readable}-` : ''}${fingerprint(gateKey).slice(0, 8)}.jsonl`;
}

/** Why `name` cannot be an artifact's name, or null when it can. */
export function artifactNameProblem(name: string): string | null {
  if (name.trim() === '') return 'it is empty';
  const bad = FORBIDDEN.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}, which artifact names cannot (nor any of " : < > | * ? \\ / or a line break)`;
  if (name.startsWith('.')) return 'it starts with a dot';
  if (Buffer.byteLength(name) > 255) return 'it is longer than 255 bytes';
  return null;
}
