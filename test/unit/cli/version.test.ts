// `evals-gate --version` prints package.json's version (embedded in the bundle at build time; the
// packed CLI's is checked in test/e2e/package.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';
import { REPO_ROOT } from '../../harness/runner.ts';

describe('evals-gate --version', () => {
  it("prints package.json's version alone on stdout, exit code 0", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--version'], { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd: REPO_ROOT, isTTY: false });
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([code, out.join(''), err.join('')]).toEqual([0, `${version}\n`, '']);
  });

  it('is in the usage', async () => {
    const out: string[] = [];
    await runCli(['--help'], { stdout: (text) => out.push(text), stderr: () => {}, env: {}, cwd: REPO_ROOT, isTTY: false });
    expect(out.join('')).toContain('evals-gate --version         The version.');
  });
});
