// What the relaunch costs the action's start (not part of the tests).
//
//   npm run build && npm run bench:startup                  # 10 starts of each kind
//   npm run bench:startup -- --runs 30
//
// Starts the bundled action (dist/index.js) as the runner does, until it stops on its inputs (no
// eval named): once with an environment that holds a secret (`INPUT_API-KEY`), so that it replaces
// its image before anything else (src/shared/relaunch.ts), and once with none, so that it goes on as
// it started. Prints the fastest and the median wall time of each, side by side.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const entry = join(import.meta.dirname, '..', 'dist', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
for (const file of ['output', 'state', 'summary']) writeFileSync(join(dir, file), '');
const base = { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STATE: join(dir, 'state'), GITHUB_STEP_SUMMARY: join(dir, 'summary'), RUNNER_TEMP: dir };

function times(env: Record<string, string>): number[] {
  const measured: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    spawnSync(process.execPath, [entry], { env: { ...base, ...env }, stdio: 'ignore' });
    measured.push(performance.now() - started);
  }
  return measured.sort((a, b) => a - b);
}

const cases = [
  ['no secret in the environment: no relaunch', times({ INPUT_MODEL: 'gpt-4o-mini' })],
  ['a secret in the environment: relaunched', times({ 'INPUT_API-KEY': 'sk-bench-0123456789', INPUT_MODEL: 'gpt-4o-mini' })],
] as const;
console.log(`dist/index.js started ${runs} times each (Node ${process.version}); wall time until it stops on its inputs:`);
for (const [name, measured] of cases) {
  console.log(`  ${name.padEnd(44)} fastest ${measured[0]?.toFixed(0)} ms, median ${measured[Math.floor(measured.length / 2)]?.toFixed(0)} ms`);
}
