// Runs the bundled action the way the GitHub runner does: every declared input as INPUT_<NAME> (its
// default when not given), the file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY), an event
// payload file, and then the post step with the saved state as STATE_<name>.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ACTION_ENTRY = join(REPO_ROOT, 'dist/index.js');

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}

export function readActionYml(): ActionYml {
  return parseYaml(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml;
}

/** The runner's INPUT_ variable for an input: upper-cased, spaces to `_`, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export interface RunnerOptions {
  inputs: Record<string, string>;
  /** Extra environment (e.g. GITHUB_API_URL of a fake). */
  env?: Record<string, string>;
  eventName?: string;
  payload?: unknown;
  /** Defaults to a fresh temp folder. */
  workspace?: string;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** Variables every new job gets, as the runner gives each step (the results service's token and URL). */
let stepEnvironment: (() => Record<string, string>) | null = null;

/** Sets (or, with null, removes) what every RunnerJob made from now on gets in its environment. */
export function provideStepEnvironment(provider: (() => Record<string, string>) | null): void {
  stepEnvironment = provider;
}

/** A prepared job: one temp folder for the runner's files, reused by the main and the post step. */
export class RunnerJob {
  readonly dir: string;
  readonly workspace: string;
  readonly env: Record<string, string>;

  constructor(options: RunnerOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'evals-gate-job-'));
    this.workspace = options.workspace ?? this.dir;
    const eventPath = join(this.dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify(options.payload ?? {}));
    for (const file of ['output', 'state', 'summary']) writeFileSync(join(this.dir, file), '');
    const declared = readActionYml().inputs;
    const inputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(declared)) {
      // The runner evaluates `${{ github.token }}`; here the test gives the token explicitly.
      const fallback = spec.default?.includes('${{') ? '' : (spec.default ?? '');
      inputs[inputEnvName(name)] = options.inputs[name] ?? fallback;
    }
    for (const name of Object.keys(options.inputs)) {
      if (!(name in declared)) throw new Error(`input "${name}" is not declared in action.yml`);
    }
    this.env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? this.dir,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_EVENT_NAME: options.eventName ?? 'workflow_dispatch',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: join(this.dir, 'output'),
      GITHUB_STATE: join(this.dir, 'state'),
      GITHUB_STEP_SUMMARY: join(this.dir, 'summary'),
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_TEMP: join(this.dir),
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_SHA: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'gate',
      GITHUB_ACTION: 'evals',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      ...stepEnvironment?.(),
      ...inputs,
      ...options.env,
    };
  }

  /** Starts the main step. */
  startMain(): RunningStep {
    return new RunningStep(spawn(process.execPath, [ACTION_ENTRY], { env: this.env, cwd: this.workspace }), this);
  }

  runMain(): Promise<StepResult> {
    return this.startMain().done;
  }

  /** The post step: the same bundle, with the main step's saved state as STATE_<name>. */
  runPost(): Promise<StepResult> {
    const state = parseFileCommand(readFileSync(this.env.GITHUB_STATE ?? '', 'utf8'));
    const stateEnv = Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
    writeFileSync(join(this.dir, 'output'), '');
    const child = spawn(process.execPath, [ACTION_ENTRY], { env: { ...this.env, ...stateEnv }, cwd: this.workspace });
    return new RunningStep(child, this).done;
  }

  read(file: 'output' | 'state' | 'summary'): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }
}

export class RunningStep {
  readonly child: ChildProcess;
  readonly done: Promise<StepResult>;
  private out = '';

  constructor(child: ChildProcess, job: RunnerJob) {
    this.child = child;
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    this.done = new Promise((resolvePromise, reject) => {
      child.on('error', reject);
      child.on('close', (exitCode, signal) =>
        resolvePromise({
          exitCode,
          signal,
          stdout: this.out,
          stderr: err,
          outputs: parseFileCommand(job.read('output')),
          state: parseFileCommand(job.read('state')),
          summary: job.read('summary'),
        }),
      );
    });
  }

  get stdout(): string {
    return this.out;
  }

  /** Resolves once the step has printed a line matching `pattern`. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.out)) {
      if (Date.now() - started > timeoutMs) throw new Error(`step never printed ${pattern}; it printed:\n${this.out}`);
      if (this.child.exitCode !== null) throw new Error(`step exited before printing ${pattern}:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Reads a GITHUB_OUTPUT/GITHUB_STATE file: `name<<DELIM\nvalue\nDELIM` blocks (and plain `name=value`). */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i] ?? '');
      values[name] = body.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/** The messages of a step's `::error::`/`::warning::` workflow commands, decoded from the runner's escaping. */
export function commandMessages(result: StepResult | string, command: 'error' | 'warning'): string[] {
  const stdout = typeof result === 'string' ? result : result.stdout;
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${command}`))
    .map((line) => line.replace(/^::\w+[^:]*::/, '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
}

/** A step's `::error::` messages, decoded, one a line. */
export function errorText(result: StepResult): string {
  return commandMessages(result, 'error').join('\n');
}

/** A step's `::warning::` messages, decoded, one a line. */
export function warningText(result: StepResult): string {
  return commandMessages(result, 'warning').join('\n');
}
