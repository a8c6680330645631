// The demos (scripts/demo.ts, scripts/demo-remote.ts) exit with the exit code of the gate's step, as
// the README says: a script can tell a failing gate from a passing one. They run dist/index.js, as the
// runner does, against loopback fakes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/runner.ts';

function demo(script: string, ...args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', script), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout };
}

describe('npm run demo (the local engine: 10 of 12 pass)', () => {
  it('passes at its default threshold of 80%: exit code 0', () => {
    const result = demo('demo.ts');
    expect(result.stdout).toContain('exit code 0: the gate passed');
    expect(result.status).toBe(0);
  }, 60_000);

  it('--threshold 90% fails the gate: exit code 1', () => {
    const result = demo('demo.ts', '--threshold', '90%');
    expect(result.stdout).toContain('exit code 1: the gate failed');
    expect(result.status).toBe(1);
  }, 60_000);
});

describe('npm run demo:remote (the remote engine: 80% on the PR)', () => {
  it('passes at its default threshold of 75%: exit code 0', () => {
    const result = demo('demo-remote.ts');
    expect(result.stdout).toContain('exit code 0: the gate passed');
    expect(result.status).toBe(0);
  }, 60_000);

  it('--threshold 90% fails the gate: exit code 1', () => {
    const result = demo('demo-remote.ts', '--threshold', '90%');
    expect(result.stdout).toContain('exit code 1: the gate failed');
    expect(result.status).toBe(1);
  }, 60_000);
});
