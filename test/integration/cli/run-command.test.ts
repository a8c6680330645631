// `evals-gate run` in process: runCli with a CliIO that collects stdout and stderr, on the local engine
// (an eval file in a temporary folder) and on the loopback Evals API fake. The exit code is the verdict
// (0 pass, 1 fail, 2 could not run), --json prints only the result document, and a bad flag is named.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/cli-io.ts';
import { runCli } from '../../../src/cli/main.ts';
import { EXIT } from '../../../src/cli/run-command.ts';
import { exactCriterion, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { EIGHT_OF_TEN, useTempDirs, writeJsonl } from '../../support/gate-setup.ts';

const startEvals = useEvalsFake({ progress: { queuedPolls: 1, inProgressPolls: 1 } });
const tempDir = useTempDirs('cli-test-');

const EXACT = exactCriterion('Exact match');

interface Terminal extends CliIO {
  out: string;
  err: string;
}

/** A terminal in `cwd` with only `env` in its environment (no GITHUB_* or OPENAI_* of the host). */
function terminal(cwd: string, env: NodeJS.ProcessEnv = {}): Terminal {
  const io: Terminal = {
    out: '',
    err: '',
    stdout: (text) => (io.out += text),
    stderr: (text) => (io.err += text),
    env,
    cwd,
    isTTY: false,
  };
  return io;
}

/** A folder with support.eval.json (exact match) and data.jsonl (8 of 10 right). */
function project(): string {
  const dir = tempDir();
  writeJsonl(dir, 'data.jsonl', EIGHT_OF_TEN);
  writeFileSync(join(dir, 'support.eval.json'), JSON.stringify({ name: 'Support answers', data_source_config: { type: 'custom' }, testing_criteria: [EXACT] }));
  return dir;
}

const LOCAL = ['run', '--eval-file', 'support.eval.json', '--data-file', 'data.jsonl'];

describe('evals-gate run on the local engine', () => {
  it('exit 0 when the gate passes: the report on stdout, progress on stderr', async () => {
    const io = terminal(project());

    const code = await runCli([...LOCAL, '--threshold', '75%'], io);

    expect(code, io.err).toBe(EXIT.pass);
    expect(io.out.split('\n')[0]).toBe('✔ PASS  Support answers');
    expect(io.out).toContain('  score 80.0% (threshold 75.0%)');
    expect(io.out).toContain('Items: 10 · 8 passed · 2 failed · 0 errored');
    expect(io.err).toContain('Running support.eval.json on the local engine (8 items at a time).');
    expect(io.err).toMatch(/Run \S+ ended: completed\./);
    // eslint-disable-next-line no-control-regex -- an ANSI escape sequence is what is looked for
    expect(io.out).not.toMatch(/\u001b\[/);
  });

  it('exit 1 when it fails, with the reason', async () => {
    const io = terminal(project());

    const code = await runCli([...LOCAL, '--threshold', '90%'], io);

    expect(code).toBe(EXIT.fail);
    expect(io.out.split('\n')[0]).toBe('✘ FAIL  Support answers');
    expect(io.out).toContain('Score 80.0% is below the threshold 90.0%.');
  });

  it('--json prints the result document and nothing else on stdout; --results-file and --markdown-file are written', async () => {
    const dir = project();
    const io = terminal(dir);

    const code = await runCli([...LOCAL, '--threshold', '75%', '--json', '--results-file', 'result.json', '--markdown-file', 'report.md'], io);

    expect(code, io.err).toBe(EXIT.pass);
    const document = JSON.parse(io.out);
    expect(document.verdict.result).toBe('pass');
    expect(document.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    // The results file is the same document, with the run's record (what a later --baseline FILE compares with).
    const { record, ...written } = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(written).toEqual(document);
    expect(record.items).toHaveLength(10);
    expect(readFileSync(join(dir, 'report.md'), 'utf8').split('\n')[0]).toBe('### ✅ evals-gate · Support answers: passed');
    // Progress went to stderr.
    expect(io.err).toContain('ended: completed');
  });

  // BUG (reported): a --results-file (or --markdown-file) that cannot be written makes runCli reject; the
  // entry (src/cli/index.ts) does not catch it, so node prints a stack and exits 1, the code of a failing
  // gate, after the gate ran. Expected: exit 2 naming the flag.
  it('a results file that cannot be written: exit 2 naming the flag, not a crash', async () => {
    const io = terminal(project());

    await expect(runCli([...LOCAL, '--threshold', '75%', '--results-file', 'no/such/folder/result.json'], io)).resolves.toBe(EXIT.error);
    expect(io.err).toContain('--results-file');
  });
});

describe('evals-gate run on the remote engine', () => {
  it('takes the key from OPENAI_API_KEY and never prints it', async () => {
    const fake = await startEvals();
    const evalId = fake.addEval({ name: 'Support answers', testing_criteria: [EXACT] });
    const io = terminal(project(), { OPENAI_API_KEY: fake.apiKey });

    const code = await runCli(['run', '--eval-id', evalId, '--base-url', fake.url, '--data-file', 'data.jsonl', '--threshold', '75%', '--poll-interval', '1'], io);

    expect(code, io.err).toBe(EXIT.pass);
    expect(fake.runs()).toHaveLength(1);
    expect(io.out).toContain(`(${fake.runs()[0]?.id})`);
    expect(`${io.out}${io.err}`).not.toContain(fake.apiKey);
  });

  it('exit 2 on an API error, with the server\'s reason', async () => {
    const fake = await startEvals();
    const io = terminal(project(), { OPENAI_API_KEY: fake.apiKey });

    const code = await runCli(['run', '--eval-id', 'eval_gone', '--base-url', fake.url, '--data-file', 'data.jsonl'], io);

    expect(code).toBe(EXIT.error);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/^error: .*eval_gone.*404/m);
    expect(fake.runs()).toEqual([]);
  });

  // BUG (reported): the auth hint after a 401/403 names the action's inputs ("api-key", "base-url")
  // where the CLI has flags (--api-key, --base-url); describeGateError renames only InputError's input.
  it('exit 2 on a refused key, the hint naming the CLI\'s flags', async () => {
    const fake = await startEvals();
    const evalId = fake.addEval({ name: 'Support answers', testing_criteria: [EXACT] });
    const io = terminal(project(), { OPENAI_API_KEY: 'sk-wrong-0123456789' });

    const code = await runCli(['run', '--eval-id', evalId, '--base-url', fake.url, '--data-file', 'data.jsonl'], io);

    expect(code).toBe(EXIT.error);
    expect(io.err).toMatch(/^error: .*401/m);
    expect(io.err).toContain('--api-key');
    expect(io.err).not.toContain('"api-key"');
  });
});

describe('evals-gate run with a bad command line: exit 2, before anything runs', () => {
  it('a bad value names the flag', async () => {
    const fake = await startEvals();
    const io = terminal(project(), { OPENAI_API_KEY: fake.apiKey });

    const code = await runCli(['run', '--eval-id', 'eval_1', '--base-url', fake.url, '--data-file', 'data.jsonl', '--threshold', '150%'], io);

    expect(code).toBe(EXIT.error);
    expect(io.err).toBe('Flag --threshold: "150%" is outside 0–1 (0%–100%).\n');
    expect(io.out).toBe('');
    expect(fake.requests).toEqual([]);
  });

  it('a missing file names its flag', async () => {
    const io = terminal(project());

    expect(await runCli(['run', '--eval-file', 'nowhere.eval.yaml', '--data-file', 'data.jsonl'], io)).toBe(EXIT.error);
    expect(io.err).toMatch(/^Flag --eval-file: /);
  });

  it('an unknown flag is named, with the close one suggested', async () => {
    const io = terminal(project());

    expect(await runCli([...LOCAL, '--treshold', '90%'], io)).toBe(EXIT.error);
    expect(io.err).toBe('evals-gate: unknown flag --treshold. Did you mean --threshold?\nRun "evals-gate run --help" for the flags.\n');
    expect(io.out).toBe('');
  });
});
