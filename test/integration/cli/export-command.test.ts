// `evals-gate export` in process: runCli with a collecting CliIO against the loopback Evals API fake.
// The files are written under --out, the command printed to run them is run in process on the local
// engine, and bad flags or refusals exit 2 with the flag named.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/cli-io.ts';
import { runCli } from '../../../src/cli/main.ts';
import { EXIT } from '../../../src/cli/run-command.ts';
import type { FakeEvalsApi } from '../../fakes/evals-api.ts';
import { exactCriterion, jsonl, sdk, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { EIGHT_OF_TEN, useTempDirs } from '../../support/gate-setup.ts';

const startEvals = useEvalsFake();
const tempDir = useTempDirs('cli-export-test-');

interface Terminal extends CliIO {
  out: string;
  err: string;
}

function terminal(cwd: string, env: NodeJS.ProcessEnv): Terminal {
  const io: Terminal = { out: '', err: '', stdout: (text) => (io.out += text), stderr: (text) => (io.err += text), env, cwd, isTTY: false };
  return io;
}

/** The fake with an eval named "Support answers" whose newest run holds EIGHT_OF_TEN inline. */
async function remoteEval(): Promise<{ fake: FakeEvalsApi; evalId: string }> {
  const fake = await startEvals();
  const evalId = fake.addEval({ name: 'Support answers', data_source_config: { type: 'custom' }, testing_criteria: [exactCriterion('Exact match')] });
  await sdk(fake).evals.runs.create(evalId, { data_source: jsonl(EIGHT_OF_TEN) });
  return { fake, evalId };
}

describe('evals-gate export', () => {
  it('writes the eval and its dataset, and prints the command that runs them on the local engine', async () => {
    const { fake, evalId } = await remoteEval();
    const dir = tempDir();
    const io = terminal(dir, { OPENAI_API_KEY: fake.apiKey });

    const code = await runCli(['export', '--eval-id', evalId, '--base-url', fake.url, '--out', 'evals'], io);

    expect(code, io.err).toBe(EXIT.pass);
    expect(existsSync(join(dir, 'evals', 'support-answers.eval.yaml'))).toBe(true);
    expect(existsSync(join(dir, 'evals', 'support-answers.jsonl'))).toBe(true);
    expect(io.out).toMatch(/^wrote \S*evals\/support-answers\.eval\.yaml\nwrote \S*evals\/support-answers\.jsonl\n/);
    const command = /Run it locally with:\n {2}evals-gate (run .*)\n$/.exec(io.out)?.[1];
    expect(command).toBe('run --eval-file evals/support-answers.eval.yaml --data-file evals/support-answers.jsonl');
    expect(`${io.out}${io.err}`).not.toContain(fake.apiKey);

    // The printed command, run as printed (plus a threshold), grades the rows as the remote eval did.
    const local = terminal(dir, {});
    expect(await runCli([...command!.split(' '), '--threshold', '80%', '--json'], local), local.err).toBe(EXIT.pass);
    expect(JSON.parse(local.out).counts).toMatchObject({ total: 10, passed: 8, failed: 2 });
  });

  it('refuses to overwrite what an earlier export wrote unless --force', async () => {
    const { fake, evalId } = await remoteEval();
    const dir = tempDir();
    const args = ['export', '--eval-id', evalId, '--base-url', fake.url, '--out', 'evals'];
    expect(await runCli(args, terminal(dir, { OPENAI_API_KEY: fake.apiKey }))).toBe(EXIT.pass);

    const again = terminal(dir, { OPENAI_API_KEY: fake.apiKey });
    expect(await runCli(args, again)).toBe(EXIT.error);
    expect(again.err).toMatch(/^error: .*run again with --force to overwrite them\.$/m);

    expect(await runCli([...args, '--force'], terminal(dir, { OPENAI_API_KEY: fake.apiKey }))).toBe(EXIT.pass);
  });

  it('without a key: exit 2 naming the flag, before any request', async () => {
    const { fake, evalId } = await remoteEval();
    const before = fake.requests.length;
    const io = terminal(tempDir(), {});

    expect(await runCli(['export', '--eval-id', evalId, '--base-url', fake.url], io)).toBe(EXIT.error);
    expect(io.err).toMatch(/^Flag --api-key: no credentials for the Evals API/);
    expect(fake.requests.length).toBe(before);
  });

  it('an eval that does not exist: exit 2 with the server\'s reason', async () => {
    const { fake } = await remoteEval();
    const io = terminal(tempDir(), { OPENAI_API_KEY: fake.apiKey });

    expect(await runCli(['export', '--eval-id', 'eval_gone', '--base-url', fake.url], io)).toBe(EXIT.error);
    expect(io.err).toMatch(/^error: .*eval_gone.*404/m);
    expect(io.out).toBe('');
  });
});
