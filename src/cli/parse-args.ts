import { parseArgs as parseNodeArgs } from 'node:util';
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

/**
 * `--name value`, `--name=value`, booleans as `--name`: node:util's parser, strict. Its errors are told
 * in the CLI's words, with a suggestion for a mistyped flag; a flag given twice is an error unless it
 * is repeatable (node would keep the last one silently).
 */
export function parseArgs(argv: readonly string[], flags: readonly FlagSpec[]): ParsedArgs {
  const specs = new Map(flags.map((flag) => [flag.name, flag]));
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const flag of flags) options[flag.name] = { type: flag.boolean ? 'boolean' : 'string', multiple: Boolean(flag.repeatable && !flag.boolean) };
  let tokens: ReturnType<typeof parseNodeArgs>['tokens'];
  try {
    ({ tokens } = parseNodeArgs({ args: joinDashValues(argv, specs), options, strict: true, allowPositionals: false, tokens: true }));
  } catch (error) {
    throw usageErrorOf(error, specs, flags);
  }
  const values = new Map<string, string>();
  let help = false;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'help') {
      help = true;
      continue;
    }
    const spec = specs.get(token.name);
    if (!spec) continue;
    const value = spec.boolean ? 'true' : (token.value ?? '');
    const previous = values.get(token.name);
    if (previous !== undefined && !spec.repeatable && !spec.boolean) throw new UsageError(`--${token.name} is given twice.`);
    values.set(token.name, previous !== undefined && spec.repeatable ? `${previous}\n${value}` : value);
  }
  return { values, help };
}

/**
 * node:util takes `--threshold -1` for a missing value (ambiguous); a value such as `-1` is meant, and
 * only a word starting with `--` is another flag. Such pairs are passed on as `--threshold=-1`.
 */
function joinDashValues(argv: readonly string[], specs: ReadonlyMap<string, FlagSpec>): string[] {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const next = argv[index + 1];
    const spec = arg.startsWith('--') && !arg.includes('=') ? specs.get(arg.slice(2)) : undefined;
    if (spec && !spec.boolean && next !== undefined && next.startsWith('-') && !next.startsWith('--') && next !== '-h') {
      args.push(`${arg}=${next}`);
      index++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/** node:util's parse error, in the words of the rest of the CLI. */
function usageErrorOf(error: unknown, specs: ReadonlyMap<string, FlagSpec>, flags: readonly FlagSpec[]): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const named = /'([^'\s]*)/.exec(message)?.[1] ?? '';
  const name = named.replace(/^--?/, '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named.startsWith('--')) return new UsageError(`unknown flag ${named}.${suggestion(name, flags)}`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unexpected argument ${JSON.stringify(named)} (flags start with --).`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(specs.get(name)?.boolean ? `--${name} takes no value.` : `--${name} needs a value.`);
  return error instanceof Error ? error : new Error(message);
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
