import type { FlagSpec } from './flags.js';

/** A command line that does not parse: shown with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  /** Flag values as given (repeatable ones joined by newlines); absent flags are absent. */
  values: Map<string, string>;
  help: boolean;
}

/** `--name value`, `--name=value`, booleans as `--name`; unknown flags and stray words are errors. */
export function parseArgs(argv: readonly string[], flags: readonly FlagSpec[]): ParsedArgs {
  const specs = new Map(flags.map((flag) => [flag.name, flag]));
  const values = new Map<string, string>();
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (flags start with --).`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const spec = specs.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}.${suggestion(name, flags)}`);
    let value: string;
    if (spec.boolean) {
      if (equals >= 0) throw new UsageError(`--${name} takes no value.`);
      value = 'true';
    } else if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value.`);
      value = next;
      index++;
    }
    const previous = values.get(name);
    if (previous !== undefined && !spec.repeatable && !spec.boolean) throw new UsageError(`--${name} is given twice.`);
    values.set(name, previous !== undefined && spec.repeatable ? `${previous}\n${value}` : value);
  }
  return { values, help };
}

function suggestion(name: string, flags: readonly FlagSpec[]): string {
  const bare = (text: string) => text.replace(/[-_]/g, '');
  const close =
    flags.find((flag) => flag.name.startsWith(name) || name.startsWith(flag.name) || bare(flag.name) === bare(name)) ??
    flags.find((flag) => editDistance(flag.name, name) <= 2);
  return close ? ` Did you mean --${close.name}?` : '';
}

/** Levenshtein distance: typos such as --thresold are one or two edits away. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The help text of a command's flags, aligned. */
export function describeFlags(flags: readonly FlagSpec[]): string {
  const left = flags.map((flag) => `  --${flag.name}${flag.boolean ? '' : ' <value>'}`);
  const width = Math.max(...left.map((text) => text.length)) + 2;
  return flags
    .map((flag, index) => {
      const extra = [flag.default && !flag.boolean ? `default: ${flag.default}` : '', flag.repeatable ? 'repeatable' : ''].filter(Boolean).join(', ');
      return `${(left[index] ?? '').padEnd(width)}${flag.help}${extra ? ` (${extra})` : ''}`;
    })
    .join('\n');
}
