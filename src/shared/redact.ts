/** Replaces every secret in text with `***`: the runner masks secrets in logs, but not in files or comments. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; the runner's own masking has the same floor.
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * The same, through every string of a plain-data value. Reports escape what they show (`_` becomes `\_`),
 * so secrets are taken out of the data before rendering, where they still match.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  // Nothing to take out: no copy (a result holds up to 5,000 failing items, a record 100,000).
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((entry) => redactDeep(entry, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, redactDeep(entry, secrets)])) as T;
  }
  return value;
}
