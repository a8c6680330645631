/** Replaces every secret in text with `***`: the runner masks secrets in logs, but not in files or comments. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; the runner's own masking has the same floor.
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
