/** Very short values would blank out ordinary words; the runner's own masking has the same floor. */
const MIN_SECRET_CHARS = 4;

/** Replaces every secret in text with `***`: the runner masks secrets in logs, but not in files or comments. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_CHARS) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * The same, through every string of a plain-data value. Reports escape what they show (`_` becomes `\_`),
 * so secrets are taken out of the data before rendering, where they still match. What holds no secret is
 * handed back as it is, not copied: a result holds up to 5,000 failing items, a record 100,000.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const effective = secrets.filter((secret) => secret.length >= MIN_SECRET_CHARS);
  return effective.length === 0 ? value : (redactShared(value, effective) as T);
}

function redactShared(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((entry, index) => {
      const redacted = redactShared(entry, secrets);
      if (redacted !== entry) (copy ??= [...value])[index] = redacted;
    });
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object') {
    let copy: Record<string, unknown> | null = null;
    for (const [key, entry] of Object.entries(value)) {
      const redacted = redactShared(entry, secrets);
      if (redacted !== entry) (copy ??= { ...value })[key] = redacted;
    }
    return copy ?? value;
  }
  return value;
}
