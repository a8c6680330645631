// The CLI as npm users get it: the tarball `npm pack` makes (what `npm publish` would upload), installed
// offline into an empty project, and run there through npx as the README tells users to. Needs a
// fresh dist/cli (`npm run build`), as every e2e test does.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/runner.ts';

const TIMEOUT = 120_000;
const work = mkdtempSync(join(tmpdir(), 'evals-gate-package-'));
const project = join(work, 'project');
/** npm and npx offline, with a cache and a home of their own; the Node running the tests first on PATH. */
const env = {
  PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
  HOME: join(work, 'home'),
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}
let packed: PackResult;

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT });
}

function succeed(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  mkdirSync(env.HOME);
  mkdirSync(project);
  const [result] = JSON.parse(succeed('npm', ['pack', '--json', '--pack-destination', work], REPO_ROOT)) as PackResult[];
  if (!result) throw new Error('npm pack made no tarball');
  packed = result;
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'a-project', private: true }, null, 2)}\n`);
  cpSync(join(REPO_ROOT, 'examples/quickstart'), join(project, 'evals'), { recursive: true });
  succeed('npm', ['install', join(work, packed.filename)], project);
}, TIMEOUT);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('holds the CLI bundle, the README, the license and package.json, nothing else of the repository', () => {
    const paths = packed.files.map((file) => file.path).sort();
    expect(packed.name).toBe('evals-gate');
    expect(paths).toContain('dist/cli/index.js');
    expect(paths.filter((path) => !path.startsWith('dist/cli/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
  });

  it('has no dependencies: the offline install brought in nothing but the package', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/evals-gate/package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) expect(installed[field], field).toBeUndefined();
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['evals-gate']);
  });
});

describe('npx evals-gate, installed from the tarball', () => {
  it('--help prints the usage', { timeout: TIMEOUT }, () => {
    const result = run('npx', ['evals-gate', '--help'], project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^evals-gate: an eval as a quality gate/);
    expect(result.stdout).toContain('evals-gate run [flags]');
  });

  it("--version prints the package's version", { timeout: TIMEOUT }, () => {
    const result = run('npx', ['evals-gate', '--version'], project);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, `${packed.version}\n`, '']);
  });

  it('runs the quickstart eval on the local engine: 80% passes (exit 0), 90% fails (exit 1)', { timeout: TIMEOUT }, () => {
    const args = ['evals-gate', 'run', '--eval-file', 'evals/support.eval.yaml', '--data-file', 'evals/support.jsonl', '--no-color'];
    const passing = run('npx', [...args, '--threshold', '80%'], project);
    expect(passing.status, passing.stderr).toBe(0);
    expect(passing.stdout.split('\n').slice(0, 2)).toEqual(['✔ PASS  Support answers', '  score 83.3% (threshold 80.0%)']);
    const failing = run('npx', [...args, '--threshold', '90%'], project);
    expect(failing.status, failing.stderr).toBe(1);
    expect(failing.stdout.split('\n')[0]).toBe('✘ FAIL  Support answers');
  });
});
