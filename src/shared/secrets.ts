/**
 * Every secret the action has seen: the keys from its inputs and the tokens it obtains while running.
 * Each is masked in the log as soon as it is known, and redacted from files and comments (which the
 * runner does not mask).
 */
export class Secrets {
  private readonly values = new Set<string>();
  private readonly mask: (secret: string) => void;

  constructor(mask: (secret: string) => void) {
    this.mask = mask;
  }

  add(secret: string): void {
    if (!secret || this.values.has(secret)) return;
    this.values.add(secret);
    this.mask(secret);
  }

  list(): string[] {
    return [...this.values];
  }
}
