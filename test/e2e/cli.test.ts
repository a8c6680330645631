// End-to-end tests of the CLI bundle (dist/cli/index.js, the package's `bin`) run as a user runs it:
// `evals-gate run` on the local engine (examples/quickstart) and on the remote one (the Evals API fake),
// `evals-gate export` and a run of what it wrote, the help texts, bad command lines, and SIGINT.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeEvalsApi, JsonlRow } from '../fakes/evals-api.ts';
import { startModelApi, type ModelApi } from '../fakes/model-api.ts';
import { closeAfterTest, closeFakesAfterEachTest, EIGHT_OF_TEN, startEvals, SUPPORT_EVAL } from '../harness/e2e-setup.ts';
import { readActionYml, REPO_ROOT } from '../harness/runner.ts';
import { instant, jsonl, sdk } from '../support/evals-fake-setup.ts';

closeFakesAfterEachTest();

const CLI_ENTRY = join(REPO_ROOT, 'dist/cli/index.js');
const QUICKSTART = ['--eval-file', 'examples/quickstart/support.eval.yaml', '--data-file', 'examples/quickstart/support.jsonl'];
/** Makes the child believe its stdout is a terminal, as when a user runs it in one. */
const FAKE_TTY = ['--import', 'data:text/javascript,Object.defineProperty(process.stdout,"isTTY",{value:true})'];
// eslint-disable-next-line no-control-regex -- an ANSI escape sequence is what is looked for
const ANSI = /\u001b\[/;
const SPAWN_TIMEOUT = 60_000;

// The GitHub-only inputs the CLI has no flag for, and the flags the CLI alone has.
const GITHUB_ONLY_INPUTS = ['comment', 'comment-key', 'github-token', 'issue-on-failure', 'results-artifact'];
const CLI_ONLY_RUN_FLAGS = ['results-file', 'markdown-file', 'json', 'no-color'];
const EXPORT_FLAG_NAMES = ['eval-id', 'out', 'force', 'base-url', 'api-key', 'auth-header', 'azure-client-id', 'azure-tenant-id', 'azure-scope', 'extra-headers', 'extra-query', 'organization', 'project'];

// ---- running the bundle --------------------------------------------------------------------------

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  cwd?: string;
  /** Over a bare environment: PATH and HOME only, so no OPENAI_*, GITHUB_* or NO_COLOR leaks in from the host. */
  env?: Record<string, string>;
  /** Node options before the entry, e.g. FAKE_TTY. */
  nodeArgs?: string[];
}

class CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  stdout = '';
  stderr = '';

  constructor(args: readonly string[], options: CliOptions) {
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_ENTRY, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...options.env },
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }
}

function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new CliProcess(args, options).done;
}

const running: CliProcess[] = [];
afterEach(() => {
  for (const started of running.splice(0)) if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
});

function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const started = new CliProcess(args, options);
  running.push(started);
  return started;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evals-gate-cli-'));
  closeAfterTest(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeJsonl(path: string, rows: readonly JsonlRow[]): void {
  writeFileSync(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Splits a printed command line as a POSIX shell would (quotes, backslashes), for running it. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] ?? '';
    if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (char === '"') {
      let text = '';
      for (i++; i < line.length && line[i] !== '"'; i++) text += line[i] === '\\' ? (line[++i] ?? '') : line[i];
      word = (word ?? '') + text;
    } else if (char === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

interface ResultsDocument {
  score: number;
  threshold: number;
  counts: { total: number; passed: number; failed: number; errored: number; skipped: number };
  verdict: { result: string; reasons: string[] };
  criteria: Array<{ name: string; passed: number; failed: number; rate: number | null; min: number | null }>;
  failing_items: Array<{ datasourceItemId: string | null; input?: string | null; output?: string | null; expected?: string | null }>;
}

function parseResults(text: string): ResultsDocument {
  return JSON.parse(text) as ResultsDocument;
}

// ---- run: the local engine ---------------------------------------------------------------------------

describe('evals-gate run on the local engine (examples/quickstart: 10 of 12 pass)', () => {
  it('passes at 80%: exit 0, the report on stdout (verdict first), progress on stderr', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', ...QUICKSTART, '--threshold', '80%']);

    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('✔ PASS  Support answers');
    expect(lines[1]).toMatch(/score 83\.3% \(threshold 80(\.0)?%\)/);
    expect(result.stdout).toContain('Items: 12 · 10 passed · 2 failed · 0 errored');
    expect(result.stdout).toMatch(/Run: .*\(evalrun_\w+\) · completed/);
    expect(result.stdout).toMatch(/^ {2}Mentions the key term +83\.3% +10\/12$/m);
    expect(result.stdout).toMatch(/^ {2}Close to the reference +83\.3% +10\/12$/m);
    expect(result.stdout).toMatch(/^ {2}Covers the reference +91\.7% +11\/12$/m);

    // The two failing items, with their texts: rows 6 (payment methods) and 8 (cancelling).
    expect(result.stdout).toContain('Failing items (2):');
    const failing = result.stdout.slice(result.stdout.indexOf('Failing items'));
    expect(failing).toMatch(/#6 +failed Mentions the key term, Close to the reference\n/);
    expect(failing).toContain('input:    What payment methods do you accept?');
    expect(failing).toContain('output:   We accept credit cards and bank transfers.');
    expect(failing).toContain('expected: We accept cards, PayPal and Apple Pay.');
    expect(failing).toMatch(/#8 +failed Mentions the key term, Close to the reference, Covers the reference\n/);
    expect(failing).toContain('input:    Can I cancel my order?');
    expect(failing).not.toContain('#0 ');

    // Progress goes to stderr, never into the report.
    expect(result.stderr).toContain('examples/quickstart/support.eval.yaml on the local engine');
    expect(result.stderr).toMatch(/completed · 12\/12 graded · 10 pass · 2 fail · 0 error/);
    expect(result.stdout).not.toMatch(/graded/);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stderr).not.toMatch(/^(error|warning):/m);
  });

  it('fails at 90%: exit 1, the verdict line says FAIL and why', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', ...QUICKSTART, '--threshold', '90%']);

    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe('✘ FAIL  Support answers');
    expect(result.stdout).toMatch(/Score 83\.3% is below the threshold 90(\.0)?%/);
    expect(result.stdout).toContain('Items: 12 · 10 passed · 2 failed · 0 errored');
  });

  it('--json prints the result document instead of the report', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', ...QUICKSTART, '--threshold', '0.8', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const document = parseResults(result.stdout);
    expect(document.score).toBeCloseTo(10 / 12, 10);
    expect(document.threshold).toBe(0.8);
    expect(document.counts).toEqual({ total: 12, passed: 10, failed: 2, errored: 0, skipped: 0 });
    expect(document.verdict.result).toBe('pass');
    expect(document.criteria.map((criterion) => [criterion.name, criterion.passed, criterion.failed])).toEqual([
      ['Mentions the key term', 10, 2],
      ['Close to the reference', 10, 2],
      ['Covers the reference', 11, 1],
    ]);
    expect(document.failing_items.map((item) => item.datasourceItemId).sort()).toEqual(['6', '8']);
    expect(result.stdout).not.toContain('✔ PASS');

    const failing = await cli(['run', ...QUICKSTART, '--threshold', '90%', '--json']);
    expect(failing.code).toBe(1);
    expect(parseResults(failing.stdout).verdict.result).toBe('fail');
  });

  it('--results-file and --markdown-file write the result as JSON and as markdown', { timeout: SPAWN_TIMEOUT }, async () => {
    const dir = tempDir();
    const resultsFile = join(dir, 'results.json');
    const markdownFile = join(dir, 'report.md');

    const result = await cli(['run', ...QUICKSTART, '--threshold', '80%', '--results-file', resultsFile, '--markdown-file', markdownFile]);

    expect(result.code, result.stderr).toBe(0);
    const document = parseResults(readFileSync(resultsFile, 'utf8'));
    expect(document.counts).toEqual({ total: 12, passed: 10, failed: 2, errored: 0, skipped: 0 });
    expect(document.verdict.result).toBe('pass');
    const markdown = readFileSync(markdownFile, 'utf8');
    expect(markdown.split('\n')[0]).toMatch(/^### ✅ .*Support answers.*: passed$/);
    expect(markdown).toContain('Mentions the key term');
    expect(markdown).toContain('What payment methods do you accept?');
    // The report still goes to stdout.
    expect(result.stdout.split('\n')[0]).toBe('✔ PASS  Support answers');
  });

  it('--baseline FILE compares with the --results-file of an earlier run: its record pairs the items', { timeout: SPAWN_TIMEOUT }, async () => {
    const dir = tempDir();
    cpSync(join(REPO_ROOT, 'examples/quickstart'), join(dir, 'quickstart'), { recursive: true });
    const files = ['--eval-file', 'quickstart/support.eval.yaml', '--data-file', 'quickstart/support.jsonl', '--threshold', '50%'];
    const first = await cli(['run', ...files, '--results-file', 'main-results.json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const kept = JSON.parse(readFileSync(join(dir, 'main-results.json'), 'utf8')) as { record: { header: { schema: string; counts: { total: number } }; items: unknown[] } };
    expect(kept.record.header).toMatchObject({ schema: 'evals-gate/results-record', counts: { total: 12 } });
    expect(kept.record.items).toHaveLength(12);

    // The change under test answers the first question wrongly.
    const rows = readFileSync(join(dir, 'quickstart/support.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as JsonlRow);
    rows[0] = { ...rows[0]!, sample: { output_text: 'No returns.' } };
    writeJsonl(join(dir, 'quickstart/support.jsonl'), rows);
    const second = await cli(['run', ...files, '--baseline', 'main-results.json', '--max-regressions', '0', '--json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(1);
    const document = JSON.parse(second.stdout) as { baseline: { regressions: number; fixes: number; paired_by: string } | null; verdict: { reasons: string[] } };
    expect(document.baseline).toMatchObject({ regressions: 1, fixes: 0, paired_by: 'id' });
    expect(document.verdict.reasons.join(' ')).toMatch(/regression/);

    const missing = await cli(['run', ...files, '--baseline', 'nowhere/results.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--baseline.*nowhere\/results\.json/);
  });

  it('--show-item-content false: item ids and verdicts only, in the report and in the files', { timeout: SPAWN_TIMEOUT }, async () => {
    const dir = tempDir();
    const resultsFile = join(dir, 'results.json');
    const markdownFile = join(dir, 'report.md');

    const result = await cli(['run', ...QUICKSTART, '--threshold', '80%', '--show-item-content', 'false', '--results-file', resultsFile, '--markdown-file', markdownFile]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/#6 +failed Mentions the key term, Close to the reference/);
    expect(result.stdout).toMatch(/#8 +failed/);
    for (const output of [result.stdout, readFileSync(resultsFile, 'utf8'), readFileSync(markdownFile, 'utf8')]) {
      expect(output).not.toContain('payment methods');
      expect(output).not.toContain('bank transfers');
      expect(output).not.toContain('PayPal');
      expect(output).not.toContain('cancel my order');
    }
    expect(result.stdout).not.toMatch(/input:|output:|expected:/);
  });

  it('colours only on a terminal, and never with --no-color or NO_COLOR', { timeout: SPAWN_TIMEOUT }, async () => {
    const [piped, terminal, noColorFlag, noColorEnv] = await Promise.all([
      cli(['run', ...QUICKSTART, '--threshold', '80%']),
      cli(['run', ...QUICKSTART, '--threshold', '80%'], { nodeArgs: FAKE_TTY }),
      cli(['run', ...QUICKSTART, '--threshold', '80%', '--no-color'], { nodeArgs: FAKE_TTY }),
      cli(['run', ...QUICKSTART, '--threshold', '80%'], { nodeArgs: FAKE_TTY, env: { NO_COLOR: '1' } }),
    ]);

    for (const result of [piped, terminal, noColorFlag, noColorEnv]) expect(result.code, result.stderr).toBe(0);
    // On a terminal the verdict is painted green: the check is able to see colours.
    expect(terminal.stdout).toMatch(ANSI);
    expect(terminal.stdout.split('\n')[0]).toBe('\u001b[32m✔ PASS  Support answers\u001b[39m');
    for (const plain of [piped, noColorFlag, noColorEnv]) {
      expect(plain.stdout).not.toMatch(ANSI);
      expect(plain.stdout.split('\n')[0]).toBe('✔ PASS  Support answers');
    }
  });

  it('--criteria-thresholds is repeatable: two values, two minimums in the report', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', ...QUICKSTART, '--threshold', '80%', '--criteria-thresholds', 'Mentions the key term: 80%', '--criteria-thresholds', 'Covers the reference: 0.9', '--no-color']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}Mentions the key term +83\.3% +10\/12 +\(min 80(\.0)?%\)$/m);
    expect(result.stdout).toMatch(/^ {2}Covers the reference +91\.7% +11\/12 +\(min 90(\.0)?%\)$/m);
    expect(result.stdout).toMatch(/^ {2}Close to the reference +83\.3% +10\/12$/m);
  });

  it('a criterion below its minimum fails the gate (exit 1) and the report names it', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', ...QUICKSTART, '--threshold', '50%', '--criteria-thresholds', 'Covers the reference: 80%', '--criteria-thresholds', 'Close to the reference: 90%', '--json']);

    expect(result.code, result.stderr).toBe(1);
    const document = parseResults(result.stdout);
    expect(document.verdict.result).toBe('fail');
    expect(document.criteria.map((criterion) => [criterion.name, criterion.min])).toEqual([
      ['Mentions the key term', null],
      ['Close to the reference', 0.9],
      ['Covers the reference', 0.8],
    ]);
    const reasons = document.verdict.reasons.join('\n');
    expect(reasons).toContain('Close to the reference');
    expect(reasons).not.toContain('Covers the reference');

    const report = await cli(['run', ...QUICKSTART, '--threshold', '50%', '--criteria-thresholds', 'Close to the reference: 90%']);
    expect(report.code).toBe(1);
    expect(report.stdout.split('\n')[0]).toBe('✘ FAIL  Support answers');
    expect(report.stdout).toMatch(/^ {2}Close to the reference +83\.3% +10\/12 +\(min 90(\.0)?% ✘\)$/m);
  });
});

// ---- run: command lines that cannot run -----------------------------------------------------------------

describe('evals-gate run that cannot run: exit 2 and a message naming the flag', () => {
  it.each([
    { what: 'a threshold above 1', args: [...QUICKSTART, '--threshold', '1.5'], message: /^Flag --threshold: "1\.5" is outside 0–1/m },
    { what: 'a threshold that is no number', args: [...QUICKSTART, '--threshold', 'most'], message: /^Flag --threshold: .*most/m },
    { what: 'an eval file that does not exist', args: ['--eval-file', 'evals/missing.eval.yaml', '--data-file', 'examples/quickstart/support.jsonl'], message: /^Flag --eval-file: .*evals\/missing\.eval\.yaml/m },
    { what: 'neither --eval-id nor --eval-file', args: ['--threshold', '80%'], message: /^Flag --eval-id: required: .*eval-file/m },
    { what: 'both --eval-id and --eval-file', args: [...QUICKSTART, '--eval-id', 'eval_123'], message: /^Flag --eval-file: set either/m },
    { what: 'a flag without its value', args: [...QUICKSTART, '--threshold'], message: /--threshold needs a value/ },
    { what: 'a flag followed by another flag instead of its value', args: ['--threshold', ...QUICKSTART], message: /--threshold needs a value/ },
    { what: 'a flag given twice', args: [...QUICKSTART, '--threshold', '80%', '--threshold', '90%'], message: /--threshold is given twice/ },
    { what: 'a value given to a flag that takes none', args: [...QUICKSTART, '--json=yes'], message: /--json takes no value/ },
    { what: 'a stray word', args: [...QUICKSTART, 'now'], message: /unexpected argument "now"/ },
  ])('$what', { timeout: SPAWN_TIMEOUT }, async ({ args, message }) => {
    const result = await cli(['run', ...args]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it.each([
    { typed: '--eval_file', meant: '--eval-file' },
    { typed: '--thresh', meant: '--threshold' },
    { typed: '--showitemcontent', meant: '--show-item-content' },
  ])('an unknown flag $typed: exit 2, "Did you mean $meant?" and where the flags are', { timeout: SPAWN_TIMEOUT }, async ({ typed, meant }) => {
    const result = await cli(['run', ...QUICKSTART, typed, 'x']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`unknown flag ${typed}. Did you mean ${meant}?`);
    expect(result.stderr).toContain('evals-gate run --help');
    expect(result.stdout).toBe('');
  });
});

// ---- run: the remote engine ---------------------------------------------------------------------------

interface RemoteSetup {
  evals: FakeEvalsApi;
  evalId: string;
  /** The working folder, holding data.jsonl (EIGHT_OF_TEN: 8 of 10 pass). */
  dir: string;
  args: (threshold: string) => string[];
}

async function remoteSetup(): Promise<RemoteSetup> {
  const evals = await startEvals();
  const evalId = evals.addEval(SUPPORT_EVAL);
  const dir = tempDir();
  writeJsonl(join(dir, 'data.jsonl'), EIGHT_OF_TEN);
  const args = (threshold: string) => ['run', '--eval-id', evalId, '--base-url', evals.url, '--data-file', 'data.jsonl', '--threshold', threshold, '--poll-interval', '1'];
  return { evals, evalId, dir, args };
}

describe('evals-gate run on the remote engine (the Evals API fake: 8 of 10 pass)', () => {
  it('passes at 75% with the key from OPENAI_API_KEY; the key is never printed', { timeout: SPAWN_TIMEOUT }, async () => {
    const { evals, evalId, dir, args } = await remoteSetup();

    const result = await cli(args('75%'), { cwd: dir, env: { OPENAI_API_KEY: evals.apiKey } });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('✔ PASS  Support answers');
    expect(result.stdout).toContain('Items: 10 · 8 passed · 2 failed · 0 errored');
    const [run, ...others] = evals.runs();
    expect(others).toEqual([]);
    expect(run?.status).toBe('completed');
    expect(result.stdout).toContain(run?.id ?? 'no run');
    expect(evals.requests.filter((r) => r.method === 'POST' && r.path === `/v1/evals/${evalId}/runs`)).toHaveLength(1);
    expect(evals.requests.every((r) => r.auth === 'bearer-key')).toBe(true);
    expect(result.stderr).toContain(run?.id ?? 'no run');
    expect(result.stdout + result.stderr).not.toContain(evals.apiKey);
  });

  it('fails at 90%: exit 1; --json gives the counts', { timeout: SPAWN_TIMEOUT }, async () => {
    const { evals, dir, args } = await remoteSetup();

    const result = await cli([...args('90%'), '--json'], { cwd: dir, env: { OPENAI_API_KEY: evals.apiKey } });

    expect(result.code, result.stderr).toBe(1);
    const document = parseResults(result.stdout);
    expect(document.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(document.score).toBeCloseTo(0.8, 10);
    expect(document.verdict.result).toBe('fail');
    expect(result.stdout + result.stderr).not.toContain(evals.apiKey);
  });

  it('a key given by --api-key is not printed either', { timeout: SPAWN_TIMEOUT }, async () => {
    const { evals, dir, args } = await remoteSetup();

    const result = await cli([...args('90%'), '--api-key', evals.apiKey], { cwd: dir });

    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Items: 10 · 8 passed · 2 failed · 0 errored');
    expect(result.stdout + result.stderr).not.toContain(evals.apiKey);
  });

  it('a refused key (401): exit 2, "refused the credentials", neither key printed, no run started', { timeout: SPAWN_TIMEOUT }, async () => {
    const { evals, dir, args } = await remoteSetup();
    const wrongKey = 'sk-wrong-key-for-the-cli-test-0123456789';

    const result = await cli(args('75%'), { cwd: dir, env: { OPENAI_API_KEY: wrongKey } });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*refused the credentials/m);
    expect(result.stderr).toContain(evals.url);
    expect(result.stderr).toMatch(/Check --api-key and --base-url/);
    expect(result.stdout).toBe('');
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
    expect(result.stdout + result.stderr).not.toContain(evals.apiKey);
    expect(evals.runs()).toEqual([]);
  });
});

// ---- export --------------------------------------------------------------------------------------------

interface ExportSetup {
  evals: FakeEvalsApi;
  evalId: string;
  runId: string;
  /** The working folder: the export's --out is `evals` in it. */
  dir: string;
  env: Record<string, string>;
}

/** SUPPORT_EVAL (with an item schema) on the fake, and one completed jsonl run of EIGHT_OF_TEN. */
async function exportSetup(): Promise<ExportSetup> {
  const evals = await startEvals({ progress: instant });
  const evalId = evals.addEval({
    ...SUPPORT_EVAL,
    data_source_config: {
      type: 'custom',
      schema: {
        type: 'object',
        properties: {
          item: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' }, must_mention: { type: 'string' } } },
          sample: { type: 'object', properties: { output_text: { type: 'string' } } },
        },
      },
    },
  });
  const client = sdk(evals);
  const created = await client.evals.runs.create(evalId, { data_source: jsonl(EIGHT_OF_TEN) });
  for (let polls = 0; (await client.evals.runs.retrieve(created.id, { eval_id: evalId })).status !== 'completed'; polls++) {
    if (polls > 50) throw new Error(`run ${created.id} did not complete`);
  }
  return { evals, evalId, runId: created.id, dir: tempDir(), env: { OPENAI_API_KEY: evals.apiKey } };
}

function exportArgs(setup: ExportSetup, ...extra: string[]): string[] {
  return ['export', '--eval-id', setup.evalId, '--base-url', setup.evals.url, '--out', 'evals', ...extra];
}

/** The `evals-gate run …` line that export prints, as arguments for the bundle. */
function printedRunCommand(stdout: string): string[] {
  const line = stdout.split('\n').find((text) => text.trim().startsWith('evals-gate run '));
  if (!line) throw new Error(`export printed no run command:\n${stdout}`);
  const [program, command, ...args] = shellWords(line.trim());
  expect([program, command]).toEqual(['evals-gate', 'run']);
  return ['run', ...args];
}

describe('evals-gate export', () => {
  it('writes the eval file and its dataset, prints them and the run command; that run grades as the fake did', { timeout: SPAWN_TIMEOUT }, async () => {
    const setup = await exportSetup();
    const { dir, evals, runId } = setup;

    const result = await cli(exportArgs(setup), { cwd: dir, env: setup.env });

    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(dir, 'evals')).sort()).toEqual(['support-answers.eval.yaml', 'support-answers.jsonl']);
    const evalFile = join(dir, 'evals', 'support-answers.eval.yaml');
    const dataFile = join(dir, 'evals', 'support-answers.jsonl');
    // Paths as typed from the working directory: they go into the files' headers and the printed command.
    expect(result.stdout).toContain('wrote evals/support-answers.eval.yaml');
    expect(result.stdout).toContain('wrote evals/support-answers.jsonl');
    expect(readFileSync(evalFile, 'utf8')).not.toContain(dir);
    expect(result.stdout).toContain('Run it locally with:');
    expect(readFileSync(dataFile, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(EIGHT_OF_TEN);
    expect(readFileSync(evalFile, 'utf8')).toContain(`run ${runId}`);
    expect(result.stderr).toContain(`Wrote 10 rows of run ${runId}`);
    expect(result.stdout + result.stderr).not.toContain(evals.apiKey);

    const runArgs = printedRunCommand(result.stdout);
    // The command names the files as typed from the working directory, to paste into a shell or CI config.
    expect(runArgs).toEqual(['run', '--eval-file', 'evals/support-answers.eval.yaml', '--data-file', 'evals/support-answers.jsonl']);
    const local = await cli([...runArgs, '--threshold', '75%', '--json'], { cwd: dir });

    expect(local.code, local.stderr).toBe(0);
    const document = parseResults(local.stdout);
    const fakeRun = await sdk(evals).evals.runs.retrieve(runId, { eval_id: setup.evalId });
    expect(document.counts).toMatchObject({ total: fakeRun.result_counts.total, passed: fakeRun.result_counts.passed, failed: fakeRun.result_counts.failed, errored: fakeRun.result_counts.errored });
    expect(document.counts).toMatchObject({ total: 10, passed: 8, failed: 2, errored: 0 });
    const fakeCriteria = (fakeRun.per_testing_criteria_results ?? []).map((c) => [c.testing_criteria.replace(/-[0-9a-f-]{36}$/, ''), c.passed, c.failed]);
    expect(document.criteria.map((c) => [c.name, c.passed, c.failed])).toEqual(fakeCriteria);
    // The local run needed no Evals API: nothing was asked of the fake after the export.
    expect(local.stderr).toContain('on the local engine');
  });

  it('refuses to overwrite files (exit 2, mentions --force); --force overwrites them', { timeout: SPAWN_TIMEOUT }, async () => {
    const setup = await exportSetup();
    const { dir } = setup;
    const first = await cli(exportArgs(setup), { cwd: dir, env: setup.env });
    expect(first.code, first.stderr).toBe(0);
    const dataFile = join(dir, 'evals', 'support-answers.jsonl');
    const exported = readFileSync(dataFile, 'utf8');
    writeFileSync(dataFile, 'edited by hand\n');

    const refused = await cli(exportArgs(setup), { cwd: dir, env: setup.env });

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exist.*--force/);
    expect(refused.stderr).toContain('evals/support-answers.jsonl');
    expect(refused.stdout).toBe('');
    expect(readFileSync(dataFile, 'utf8')).toBe('edited by hand\n');

    const forced = await cli(exportArgs(setup, '--force'), { cwd: dir, env: setup.env });

    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(dataFile, 'utf8')).toBe(exported);
    expect(readdirSync(join(dir, 'evals')).sort()).toEqual(['support-answers.eval.yaml', 'support-answers.jsonl']);
  });

  it('prints a run command that still works when the folder has a space in its name', { timeout: SPAWN_TIMEOUT }, async () => {
    const setup = await exportSetup();
    const { dir } = setup;

    const result = await cli(['export', '--eval-id', setup.evalId, '--base-url', setup.evals.url, '--out', 'my evals'], { cwd: dir, env: setup.env });

    expect(result.code, result.stderr).toBe(0);
    const runArgs = printedRunCommand(result.stdout);
    expect(runArgs).toEqual(['run', '--eval-file', 'my evals/support-answers.eval.yaml', '--data-file', 'my evals/support-answers.jsonl']);
    const local = await cli([...runArgs, '--threshold', '75%'], { cwd: dir });
    expect(local.code, local.stderr).toBe(0);
  });

  it('without --eval-id: exit 2 naming the flag, nothing asked of the API', { timeout: SPAWN_TIMEOUT }, async () => {
    const setup = await exportSetup();
    const before = setup.evals.requests.length;

    const result = await cli(['export', '--base-url', setup.evals.url, '--out', 'evals'], { cwd: setup.dir, env: setup.env });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Flag --eval-id: /m);
    expect(result.stdout).toBe('');
    expect(setup.evals.requests.length).toBe(before);
    expect(readdirSync(setup.dir)).toEqual([]);
  });

  it('an eval the API does not know: exit 2 and the API\'s answer, no files', { timeout: SPAWN_TIMEOUT }, async () => {
    const setup = await exportSetup();

    const result = await cli(['export', '--eval-id', 'eval_nope', '--base-url', setup.evals.url, '--out', 'evals'], { cwd: setup.dir, env: setup.env });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*eval_nope.*not found/m);
    expect(readdirSync(setup.dir)).toEqual([]);
  });
});

// ---- help and commands ------------------------------------------------------------------------------------

describe('help and commands', () => {
  it.each([['--help'], ['-h'], ['help']])('evals-gate %s: the usage on stdout, exit 0', { timeout: SPAWN_TIMEOUT }, async (flag) => {
    const result = await cli([flag]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('evals-gate run [flags]');
    expect(result.stdout).toContain('evals-gate export [flags]');
    expect(result.stdout).toContain('evals-gate <command> --help');
    expect(result.stdout).toMatch(/0 pass, 1 fail, 2 could not run/);
    expect(result.stderr).toBe('');
  });

  it('run --help documents every flag: the action\'s inputs but the GitHub-only ones, and the CLI\'s own', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['run', '--help']);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const flags = [...result.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((match) => match[1]);
    const inputs = Object.keys(readActionYml().inputs).filter((name) => !GITHUB_ONLY_INPUTS.includes(name));
    expect([...flags].sort()).toEqual([...inputs, ...CLI_ONLY_RUN_FLAGS].sort());
    for (const name of GITHUB_ONLY_INPUTS) expect(result.stdout).not.toContain(`--${name} `);
    expect(result.stdout).toMatch(/--threshold <value> +.*\(default: 1\)/);
    expect(result.stdout).toMatch(/--criteria-thresholds <value> +.*repeatable/);
    expect(result.stdout).toMatch(/^ {2}--json +\S/m);
    expect(result.stdout).toMatch(/130 interrupted/);
  });

  it('export --help documents every export flag', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['export', '--help']);

    expect(result.code).toBe(0);
    const flags = [...result.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((match) => match[1]);
    expect([...flags].sort()).toEqual([...EXPORT_FLAG_NAMES].sort());
    expect(result.stdout).toMatch(/--out <value> +.*\(default: evals\)/);
    expect(result.stdout).toContain('evals-gate run --eval-file');
  });

  it('no command: the usage on stderr, exit 2', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli([]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('evals-gate run [flags]');
  });

  it('an unknown command: exit 2, named, with where to look', { timeout: SPAWN_TIMEOUT }, async () => {
    const result = await cli(['gate', '--threshold', '80%']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown command "gate"');
    expect(result.stderr).toContain('evals-gate --help');
  });
});

// ---- SIGINT --------------------------------------------------------------------------------------------

describe('SIGINT during a run of the local engine', () => {
  const ITEMS = 200;

  async function slowModel(): Promise<ModelApi> {
    // Every answer takes 30 s: a process that waited for its requests in flight could not exit promptly.
    const model = await startModelApi({ faults: { delayMs: 30_000 } });
    closeAfterTest(() => model.close());
    return model;
  }

  it('exits 130 promptly, and the model endpoint gets no more requests', { timeout: SPAWN_TIMEOUT }, async () => {
    const model = await slowModel();
    const dir = tempDir();
    writeFileSync(
      join(dir, 'echo.eval.json'),
      JSON.stringify({
        name: 'Echo',
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { question: { type: 'string' } } } },
        testing_criteria: [{ type: 'string_check', name: 'Echoed', input: '{{sample.output_text}}', reference: '{{item.question}}', operation: 'eq' }],
      }),
    );
    writeJsonl(join(dir, 'questions.jsonl'), Array.from({ length: ITEMS }, (_, i) => ({ item: { question: `Question ${i}?` } })));
    const dataSource = { type: 'completions', model: 'fake-model', input_messages: { type: 'template', template: [{ role: 'user', content: '{{item.question}}' }] } };

    const step = startCli(
      ['run', '--eval-file', 'echo.eval.json', '--data-file', 'questions.jsonl', '--data-source', JSON.stringify(dataSource), '--model-base-url', model.baseURL, '--model-api-key', model.apiKey, '--concurrency', '4'],
      { cwd: dir },
    );
    await until(() => model.requests.length >= 4, 'the first model requests');
    const atSignal = model.requests.length;
    const signalled = Date.now();
    step.child.kill('SIGINT');
    const result = await step.done;
    const elapsed = Date.now() - signalled;

    expect(result.code, result.stderr).toBe(130);
    // Promptly: within the runner's 7.5 s grace, so without waiting for the answers in flight.
    expect(elapsed, `exited ${elapsed} ms after SIGINT`).toBeLessThan(7_500);
    expect(result.stderr).toMatch(/SIGINT/);
    expect(result.stdout).toBe('');
    expect(model.requests.every((request) => request.headers.authorization === `Bearer ${model.apiKey}`)).toBe(true);
    expect(result.stderr).not.toContain(model.apiKey);

    // The 4 requests in flight were all it sent: none started after the signal.
    const seen = model.requests.length;
    expect(seen).toBe(atSignal);
    expect(seen).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(model.requests.length).toBe(seen);
  });
});
