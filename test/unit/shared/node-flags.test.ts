// The one re-exec at a process's start adds V8's flags: which ones (never one the user gave), and that
// the process really is replaced, same pid, same arguments, with the flag in effect.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { missingNodeFlags, NODE_FLAGS } from '../../../src/shared/node-flags.ts';

describe('missingNodeFlags', () => {
  it('is the flags the process was not started with', () => {
    expect(missingNodeFlags(['--max-semi-space-size=16'], ['--enable-source-maps'], '')).toEqual(['--max-semi-space-size=16']);
    expect(NODE_FLAGS).toEqual(['--max-semi-space-size=8']);
  });

  it('keeps the value the user chose, in the flags or in NODE_OPTIONS, whatever its spelling', () => {
    for (const [execArgv, nodeOptions] of [[['--max-semi-space-size=64'], ''], [[], '--max-semi-space-size=2'], [['--max_semi_space_size=8'], ''], [[], '--inspect --max_semi_space_size=8']] as const) {
      expect(missingNodeFlags(['--max-semi-space-size=16'], execArgv, nodeOptions)).toEqual([]);
    }
  });
});

describe('relaunch with Node flags', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the process with one started with the flags (same pid, same arguments), once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relaunch-test-'));
    dirs.push(dir);
    const script = join(dir, 'script.mjs');
    const flags = pathToFileURL(join(process.cwd(), 'src/shared/node-flags.ts')).href;
    const relaunch = pathToFileURL(join(process.cwd(), 'src/shared/relaunch.ts')).href;
    writeFileSync(
      script,
      `import { missingNodeFlags } from ${JSON.stringify(flags)};
import { relaunch } from ${JSON.stringify(relaunch)};
console.log(JSON.stringify({ stage: 'start', pid: process.pid, execArgv: process.execArgv }));
const outcome = relaunch({ execArgv: missingNodeFlags(['--max-semi-space-size=2']), isSecret: () => false });
console.log(JSON.stringify({ stage: 'went on', outcome, pid: process.pid, argv: process.argv.slice(2), execArgv: process.execArgv }));
`,
    );
    const child = spawnSync(process.execPath, [script, 'a', 'b c'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // Started twice (the second time with the flag), went on once: in the replaced process, with the same pid.
    expect(lines.map((line) => line.stage)).toEqual(['start', 'start', 'went on']);
    expect(lines[0]?.execArgv).toEqual([]);
    expect(lines[1]?.execArgv).toEqual(['--max-semi-space-size=2']);
    expect(lines[2]).toMatchObject({ outcome: 'relaunched', argv: ['a', 'b c'], execArgv: ['--max-semi-space-size=2'] });
    expect(new Set(lines.map((line) => line.pid)).size).toBe(1);
  });
});
