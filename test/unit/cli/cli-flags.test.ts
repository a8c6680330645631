// The CLI's flags against the action's inputs (action.yml), and how the command line is parsed.
import { describe, expect, it } from 'vitest';
import { EXPORT_FLAGS, type FlagSpec, INPUT_FLAGS, RUN_ONLY_FLAGS } from '../../../src/cli/flags.ts';
import { describeFlags, parseArgs, UsageError } from '../../../src/cli/parse-args.ts';
import { readActionYml } from '../../harness/runner.ts';

/** Inputs about GitHub itself (the PR comment, the tracking issue): the CLI reports to the terminal instead. */
const GITHUB_ONLY_INPUTS = ['comment', 'comment-key', 'github-token', 'issue-on-failure', 'results-artifact'];
/** Flags of `run` the action has no input for, each documented in `run --help`. */
const CLI_ONLY_RUN_FLAGS = ['results-file', 'markdown-file', 'json', 'no-color'];
/** The action's multi-line inputs: one entry a line, so the flag is given once per entry. */
const MULTI_LINE_INPUTS = ['criteria-thresholds', 'extra-headers', 'extra-query', 'metadata'];
/** What export needs of the endpoint flags: where the Evals API is and how to sign in to it. */
const ENDPOINT_FLAGS = ['base-url', 'api-key', 'auth-header', 'azure-client-id', 'azure-tenant-id', 'azure-scope', 'extra-headers', 'extra-query', 'organization', 'project'];

const RUN_FLAGS = [...INPUT_FLAGS, ...RUN_ONLY_FLAGS];
const inputs = readActionYml().inputs;

function flag(flags: readonly FlagSpec[], name: string): FlagSpec {
  const found = flags.find((spec) => spec.name === name);
  if (!found) throw new Error(`no flag --${name}`);
  return found;
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('the flags of run are the action\'s inputs', () => {
  it('every input is a flag of run, with the same default, except the GitHub-only ones', () => {
    const names = RUN_FLAGS.map((spec) => spec.name);
    for (const [name, spec] of Object.entries(inputs)) {
      if (GITHUB_ONLY_INPUTS.includes(name)) {
        expect(names, `--${name} is GitHub-only`).not.toContain(name);
        continue;
      }
      expect(names, `input ${name} has no flag`).toContain(name);
      expect(flag(INPUT_FLAGS, name).default, `default of --${name}`).toBe(spec.default ?? '');
    }
  });

  it('the GitHub-only inputs exist in action.yml (the list above is not stale)', () => {
    for (const name of GITHUB_ONLY_INPUTS) expect(Object.keys(inputs)).toContain(name);
  });

  it('no flag of run is neither an input nor a documented CLI-only flag', () => {
    for (const spec of INPUT_FLAGS) expect(Object.keys(inputs), `--${spec.name} is not an input`).toContain(spec.name);
    expect(RUN_ONLY_FLAGS.map((spec) => spec.name).sort()).toEqual([...CLI_ONLY_RUN_FLAGS].sort());
    for (const name of CLI_ONLY_RUN_FLAGS) expect(Object.keys(inputs)).not.toContain(name);
  });

  it('names are unique, kebab-case, and every flag has help text', () => {
    for (const flags of [RUN_FLAGS, EXPORT_FLAGS]) {
      const names = flags.map((spec) => spec.name);
      expect(new Set(names).size).toBe(names.length);
      for (const spec of flags) {
        expect(spec.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(spec.help.trim(), `help of --${spec.name}`).not.toBe('');
        expect(['help', 'h']).not.toContain(spec.name);
      }
    }
  });

  it('the multi-line inputs are the repeatable flags; the CLI-only switches are the boolean ones', () => {
    expect(RUN_FLAGS.filter((spec) => spec.repeatable).map((spec) => spec.name).sort()).toEqual([...MULTI_LINE_INPUTS].sort());
    expect(RUN_FLAGS.filter((spec) => spec.boolean).map((spec) => spec.name).sort()).toEqual(['json', 'no-color']);
    for (const spec of RUN_FLAGS.filter((each) => each.boolean)) expect(spec.default).toBe('');
  });

  it('export takes --eval-id, --out, --force and the endpoint flags, with the action\'s defaults', () => {
    expect(EXPORT_FLAGS.map((spec) => spec.name).sort()).toEqual(['eval-id', 'out', 'force', ...ENDPOINT_FLAGS].sort());
    for (const name of ENDPOINT_FLAGS) expect(flag(EXPORT_FLAGS, name)).toEqual(flag(INPUT_FLAGS, name));
    expect(flag(EXPORT_FLAGS, 'out').default).toBe('evals');
    expect(flag(EXPORT_FLAGS, 'force').boolean).toBe(true);
  });
});

describe('parseArgs', () => {
  it('reads --name value and --name=value; absent flags are absent', () => {
    const { values, help } = parseArgs(['--eval-file', 'evals/a.yaml', '--threshold=90%'], RUN_FLAGS);

    expect(Object.fromEntries(values)).toEqual({ 'eval-file': 'evals/a.yaml', threshold: '90%' });
    expect(values.has('model')).toBe(false);
    expect(help).toBe(false);
  });

  it('keeps what follows the first "=" whole, and takes an empty value after "="', () => {
    const { values } = parseArgs(['--metadata=team=support=yes', '--run-name='], RUN_FLAGS);

    expect(values.get('metadata')).toBe('team=support=yes');
    expect(values.get('run-name')).toBe('');
  });

  it('takes a value that looks like a negative number or has spaces as is', () => {
    const { values } = parseArgs(['--threshold', '-1', '--run-name', 'PR 12 · try 2'], RUN_FLAGS);

    expect(values.get('threshold')).toBe('-1');
    expect(values.get('run-name')).toBe('PR 12 · try 2');
  });

  it('joins the values of a repeatable flag with newlines, as the action\'s multi-line inputs', () => {
    const { values } = parseArgs(['--criteria-thresholds', 'Exact: 90%', '--criteria-thresholds=Mentions: 0.8', '--extra-headers', 'X-A: 1'], RUN_FLAGS);

    expect(values.get('criteria-thresholds')).toBe('Exact: 90%\nMentions: 0.8');
    expect(values.get('extra-headers')).toBe('X-A: 1');
  });

  it('boolean flags take no value: given, they are "true"; given with =, an error', () => {
    const { values } = parseArgs(['--json', '--no-color', '--threshold', '1'], RUN_FLAGS);
    expect(values.get('json')).toBe('true');
    expect(values.get('no-color')).toBe('true');

    expect(usageError(() => parseArgs(['--json=false'], RUN_FLAGS))).toBe('--json takes no value.');
    expect(usageError(() => parseArgs(['--force=yes'], EXPORT_FLAGS))).toBe('--force takes no value.');
  });

  it('a boolean flag does not swallow the word after it', () => {
    expect(usageError(() => parseArgs(['--json', 'false'], RUN_FLAGS))).toBe('unexpected argument "false" (flags start with --).');
  });

  it('a flag that is not repeatable, given twice, is an error (even with the same value)', () => {
    expect(usageError(() => parseArgs(['--threshold', '1', '--threshold', '0.5'], RUN_FLAGS))).toBe('--threshold is given twice.');
    expect(usageError(() => parseArgs(['--eval-id=eval_1', '--eval-id', 'eval_1'], RUN_FLAGS))).toBe('--eval-id is given twice.');
  });

  it('a flag without its value is an error, at the end or before another flag', () => {
    expect(usageError(() => parseArgs(['--threshold'], RUN_FLAGS))).toBe('--threshold needs a value.');
    expect(usageError(() => parseArgs(['--eval-file', '--threshold', '1'], RUN_FLAGS))).toBe('--eval-file needs a value.');
  });

  it('an unknown flag is an error that suggests the flag meant', () => {
    expect(usageError(() => parseArgs(['--eval_file', 'a.yaml'], RUN_FLAGS))).toBe('unknown flag --eval_file. Did you mean --eval-file?');
    expect(usageError(() => parseArgs(['--thresh', '1'], RUN_FLAGS))).toBe('unknown flag --thresh. Did you mean --threshold?');
    expect(usageError(() => parseArgs(['--outdir', 'x'], EXPORT_FLAGS))).toBe('unknown flag --outdir. Did you mean --out?');
    expect(usageError(() => parseArgs(['--comment', 'true'], RUN_FLAGS))).toBe('unknown flag --comment.');
  });

  it('flags of one command are unknown to the other', () => {
    expect(usageError(() => parseArgs(['--out', 'evals'], RUN_FLAGS))).toMatch(/^unknown flag --out\./);
    expect(usageError(() => parseArgs(['--threshold', '1'], EXPORT_FLAGS))).toMatch(/^unknown flag --threshold\./);
  });

  it('a word that is not a flag, or a single-dash flag, is an error', () => {
    expect(usageError(() => parseArgs(['evals/a.yaml'], RUN_FLAGS))).toBe('unexpected argument "evals/a.yaml" (flags start with --).');
    expect(usageError(() => parseArgs(['-t', '1'], RUN_FLAGS))).toBe('unexpected argument "-t" (flags start with --).');
  });

  it('--help and -h ask for help wherever they are', () => {
    expect(parseArgs(['--threshold', '1', '--help'], RUN_FLAGS).help).toBe(true);
    expect(parseArgs(['-h'], EXPORT_FLAGS).help).toBe(true);
  });
});

describe('describeFlags', () => {
  it('lists every flag once, with "<value>" for valued ones, its default and "repeatable"', () => {
    const text = describeFlags(RUN_FLAGS);
    const lines = text.split('\n');

    expect(lines).toHaveLength(RUN_FLAGS.length);
    RUN_FLAGS.forEach((spec, index) => {
      const line = lines[index] ?? '';
      expect(line.startsWith(`  --${spec.name}${spec.boolean ? ' ' : ' <value> '}`)).toBe(true);
      expect(line).toContain(spec.help);
      if (spec.default && !spec.boolean) expect(line).toContain(`default: ${spec.default}`);
      else expect(line).not.toContain('default:');
      expect(line.includes('repeatable)')).toBe(spec.repeatable === true);
    });
    // Aligned: every help text starts in the same column.
    const columns = RUN_FLAGS.map((spec, index) => (lines[index] ?? '').indexOf(spec.help));
    expect(new Set(columns).size).toBe(1);
  });
});
