// scripts/release.ts (`npm run release`) in a throwaway git repository shaped like this one: a
// package.json and package-lock.json, a build that writes dist/ from src/ and embeds the version (as the
// CLI's bundle does), a CHANGELOG.md. Each test runs the script as a maintainer would and checks what it
// did to the repository, or that a refusal changed nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/runner.ts';

const RELEASE_SCRIPT = join(REPO_ROOT, 'scripts/release.ts');
const TIMEOUT = 60_000;
const CHANGELOG = `# Changelog

## [Unreleased]

## [1.1.0] - 2026-12-24

### Added
- The \`shout\` input.

## [1.0.0] - 2026-12-02

- The first release.
`;
const BUILD = `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync('dist', { recursive: true });
writeFileSync('dist/app.js', '// ' + version + '\\n' + readFileSync('src/app.txt', 'utf8'));
`;

const repos: string[] = [];
afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Git and npm with no user or system configuration, offline, with a fixed identity. */
function environment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Release Tester',
    GIT_AUTHOR_EMAIL: 'tester@example.com',
    GIT_COMMITTER_NAME: 'Release Tester',
    GIT_COMMITTER_EMAIL: 'tester@example.com',
    npm_config_cache: join(home, '.npm'),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

class Repo {
  readonly dir = mkdtempSync(join(tmpdir(), 'evals-gate-release-'));
  private readonly home = mkdtempSync(join(tmpdir(), 'evals-gate-release-home-'));
  private readonly env = environment(this.home);

  constructor() {
    repos.push(this.dir, this.home);
    this.write('package.json', `${JSON.stringify({ name: 'demo-action', version: '1.0.0', private: true, type: 'module', scripts: { build: 'node build.mjs' } }, null, 2)}\n`);
    this.write('package-lock.json', `${JSON.stringify({ name: 'demo-action', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'demo-action', version: '1.0.0' } } }, null, 2)}\n`);
    this.write('build.mjs', BUILD);
    this.write('src/app.txt', 'console.log("hello");\n');
    this.write('CHANGELOG.md', CHANGELOG);
    // What `npm run build` writes (build.mjs), written directly: one npm run less per test.
    this.write('dist/app.js', '// 1.0.0\nconsole.log("hello");\n');
    this.run('git', 'init', '--quiet', '--initial-branch=main');
    this.commitAll('Initial commit');
  }

  write(path: string, text: string): void {
    mkdirSync(join(this.dir, path, '..'), { recursive: true });
    writeFileSync(join(this.dir, path), text);
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  commitAll(message: string): void {
    this.run('git', 'add', '--all');
    this.run('git', 'commit', '--quiet', '-m', message);
  }

  run(command: string, ...args: string[]): string {
    const result = spawnSync(command, args, { cwd: this.dir, env: this.env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  release(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [RELEASE_SCRIPT, ...args], { cwd: this.dir, env: this.env, encoding: 'utf8', timeout: TIMEOUT });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** What a refusal must leave as it was. */
  state(): { head: string; tags: string; status: string; version: string } {
    return {
      head: this.run('git', 'rev-parse', 'HEAD'),
      tags: this.run('git', 'tag', '--list'),
      status: this.run('git', 'status', '--porcelain', '--untracked-files=all'),
      version: (JSON.parse(this.read('package.json')) as { version: string }).version,
    };
  }
}

describe('npm run release', () => {
  it('bumps package.json and package-lock.json, rebuilds dist/, commits, and tags with the CHANGELOG notes', { timeout: TIMEOUT }, () => {
    const repo = new Repo();
    const result = repo.release('1.1.0');
    expect(result.stderr).not.toContain('release:');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('git push origin main v1.1.0');
    expect(result.stdout).toContain('v1 moved to v1.1.0');

    expect(JSON.parse(repo.read('package.json'))).toMatchObject({ version: '1.1.0' });
    const lock = JSON.parse(repo.read('package-lock.json')) as { version: string; packages: Record<string, { version: string }> };
    expect([lock.version, lock.packages['']?.version]).toEqual(['1.1.0', '1.1.0']);
    expect(repo.read('dist/app.js')).toBe('// 1.1.0\nconsole.log("hello");\n');

    expect(repo.run('git', 'log', '--format=%s')).toBe('Release v1.1.0\nInitial commit');
    expect(repo.run('git', 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(['dist/app.js', 'package-lock.json', 'package.json']);
    expect(repo.run('git', 'cat-file', '-t', 'v1.1.0')).toBe('tag');
    expect(repo.run('git', 'rev-parse', 'v1.1.0^{commit}')).toBe(repo.run('git', 'rev-parse', 'HEAD'));
    // The notes as written, their markdown headings included.
    expect(repo.run('git', 'tag', '--list', '--format=%(contents)', 'v1.1.0')).toBe('v1.1.0\n\n### Added\n- The `shout` input.');
    expect(repo.run('git', 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('computes minor from package.json', { timeout: TIMEOUT }, () => {
    const repo = new Repo();
    expect(repo.release('minor').status).toBe(0);
    expect(repo.run('git', 'tag', '--list')).toBe('v1.1.0');
  });

  it('--dry-run checks and changes nothing', { timeout: TIMEOUT }, () => {
    const repo = new Repo();
    const before = repo.state();
    const result = repo.release('1.1.0', '--dry-run');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Checks passed');
    expect(repo.state()).toEqual(before);
  });

  describe('refuses, changing nothing', () => {
    function expectRefusal(repo: Repo, args: string[], message: string | RegExp): void {
      const before = repo.state();
      const result = repo.release(...args);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
      expect(repo.state()).toEqual(before);
    }

    it('a working tree with changes, naming them', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      repo.write('notes.txt', 'draft\n');
      expectRefusal(repo, ['1.1.0'], 'release: the working tree has changes; commit or stash them first:\n?? notes.txt');
      repo.run('git', 'add', 'notes.txt');
      expectRefusal(repo, ['1.1.0'], 'A  notes.txt');
    });

    it('a version the CHANGELOG has no section for', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      expectRefusal(repo, ['patch'], 'release: CHANGELOG.md has no section for 1.0.1');
      expectRefusal(repo, ['2.0.0'], '"## [2.0.0] - YYYY-MM-DD"');
    });

    it('a dist/ that is not a fresh build of src/, leaving the rebuilt one for review', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      repo.write('src/app.txt', 'console.log("changed");\n');
      repo.commitAll('Change src/ without rebuilding dist/');
      const before = repo.state();
      const result = repo.release('1.1.0');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('release: dist/ is not a fresh build of src/. The rebuilt dist/ is left in the working tree');
      expect(repo.state()).toEqual({ ...before, status: 'M dist/app.js' });
      expect(repo.read('dist/app.js')).toBe('// 1.0.0\nconsole.log("changed");\n');
    });

    it('a tag that exists', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      repo.run('git', 'tag', 'v1.1.0');
      expectRefusal(repo, ['1.1.0'], 'release: the tag v1.1.0 exists already.');
    });

    it('a version that is not above package.json\'s', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      expectRefusal(repo, ['1.0.0'], 'release: 1.0.0 is not above the current version 1.0.0.');
    });

    it('a branch other than main', { timeout: TIMEOUT }, () => {
      const repo = new Repo();
      repo.run('git', 'switch', '--quiet', '--create', 'feature');
      expectRefusal(repo, ['1.1.0'], 'release: releases are made from main');
    });
  });

  it('without a version: the usage, exit code 2', { timeout: TIMEOUT }, () => {
    const repo = new Repo();
    const result = repo.release();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: npm run release -- <X.Y.Z | major | minor | patch> [--dry-run]');
  });
});
