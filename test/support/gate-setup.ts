// What the in-process tests of src/gate, src/action and src/cli share: settings read from action
// inputs (over action.yml's defaults, as the runner passes them), a temporary workspace with the data,
// and recording stand-ins for the gate's host and for the runner.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Runner } from '../../src/action/runner.ts';
import type { RunSnapshot } from '../../src/evals-api/run-types.ts';
import type { GateHost, SavedRun } from '../../src/gate/gate.ts';
import type { GitContext } from '../../src/github/context.ts';
import { readSettings } from '../../src/settings/read-settings.ts';
import type { InputReader, Settings } from '../../src/settings/settings.ts';
import type { JsonlRow } from '../fakes/evals-api.ts';
import { useClosers } from './closers.ts';

const actionYml = parseYaml(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, { default?: unknown }> };

/** Every declared input with its action.yml default. */
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(actionYml.inputs).map(([name, spec]) => [name, spec.default === undefined || spec.default === null ? '' : String(spec.default)]),
);

/** An input reader over action.yml's defaults; setting or reading an undeclared input is a test failure. */
export function inputReader(values: Record<string, string>): InputReader {
  for (const name of Object.keys(values)) {
    if (!(name in ACTION_DEFAULTS)) throw new Error(`test sets undeclared input "${name}"`);
  }
  const all: Record<string, string> = { ...ACTION_DEFAULTS, ...values };
  return (name) => {
    const value = all[name];
    if (value === undefined) throw new Error(`readSettings reads undeclared input "${name}"`);
    return value;
  };
}

/** readSettings on these inputs, with `workspace` as GITHUB_WORKSPACE and nothing else in the environment. */
export function settingsFor(git: GitContext, values: Record<string, string>, workspace: string): Settings {
  // In process, the gate may poll the fakes faster than the 1 s floor of the input (tested in test/unit/settings).
  const interval = Number(values['poll-interval'] ?? '10');
  const fast = interval < 1 ? { ...values, 'poll-interval': '1' } : values;
  const settings = readSettings(git, { read: inputReader(fast), env: { GITHUB_WORKSPACE: workspace }, mask: () => undefined });
  return interval < 1 ? { ...settings, pollIntervalMs: interval * 1000 } : settings;
}

/** Call at the top level of a test file: returns a maker of temporary directories, removed after each test. */
export function useTempDirs(prefix = 'evals-gate-test-'): () => string {
  const track = useClosers();
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    track(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
}

/** Writes `rows` as JSONL at `dir/file` (folders made as needed); returns the file's path. */
export function writeJsonl(dir: string, file: string, rows: readonly JsonlRow[]): string {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return path;
}

/** Row `i`: the answer equals `expected` unless it is among `wrong`. */
export function answers(count: number, wrong: readonly number[] = []): JsonlRow[] {
  return Array.from({ length: count }, (_, i) => ({
    item: { question: `Question ${i}?`, expected: `Answer ${i}.` },
    sample: { output_text: wrong.includes(i) ? `No idea (${i}).` : `Answer ${i}.` },
  }));
}

/** 10 rows, 8 right: a score of 80%. */
export const EIGHT_OF_TEN = answers(10, [3, 8]);

/** The gate's host, recording what the gate reports; `onStarted` answers `started` (default: not announced). */
export class RecordingHost implements GateHost {
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly failures: string[] = [];
  readonly saved: SavedRun[] = [];
  readonly startedRuns: Array<{ run: RunSnapshot; evalName: string }> = [];
  private readonly onStarted: (run: RunSnapshot) => boolean | Promise<boolean>;

  constructor(onStarted: (run: RunSnapshot) => boolean | Promise<boolean> = () => false) {
    this.onStarted = onStarted;
  }

  info(line: string): void {
    this.infos.push(line);
  }

  warning(line: string): void {
    this.warnings.push(line);
  }

  fail(message: string): void {
    this.failures.push(message);
  }

  remember(saved: SavedRun): void {
    this.saved.push(saved);
  }

  redact(text: string): string {
    return text;
  }

  async started(run: RunSnapshot, evalName: string): Promise<boolean> {
    this.startedRuns.push({ run, evalName });
    return this.onStarted(run);
  }
}

/** The runner, recording everything a step hands it. */
export class RecordingRunner implements Runner {
  readonly infos: string[] = [];
  readonly debugs: string[] = [];
  readonly warnings: string[] = [];
  readonly failures: string[] = [];
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  summary = '';

  info(line: string): void {
    this.infos.push(line);
  }

  debug(line: string): void {
    this.debugs.push(line);
  }

  warning(line: string): void {
    this.warnings.push(line);
  }

  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }

  setFailed(message: string): void {
    this.failures.push(message);
  }

  saveState(name: string, value: string): void {
    this.state[name] = value;
  }

  async appendSummary(markdown: string): Promise<void> {
    this.summary += markdown;
  }

  /** Everything written to the log, warnings and failures included, in no particular order. */
  everything(): string {
    return [...this.infos, ...this.debugs, ...this.warnings, ...this.failures, this.summary, ...Object.values(this.outputs)].join('\n');
  }
}

/** Waits until `condition` holds, polling every 5 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
