// Prepares a release in this clone: checks, bumps package.json and package-lock.json, rebuilds dist/
// (the CLI's bundle embeds the version), commits, and tags vX.Y.Z with the CHANGELOG's notes. Pushing
// the tag then runs .github/workflows/release.yml: the tests and the dist check again, the GitHub
// release, the major tag, the npm package. It refuses (changing nothing) a dirty working tree, a branch
// other than main, a version that is not above package.json's, a tag that exists, a CHANGELOG without
// a dated section for the version, and a dist/ that is not a fresh build of src/.
//
//   npm run release -- 1.2.0             # or major, minor, patch
//   npm run release -- 1.2.0 --dry-run   # only the checks
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { releaseSection } from './changelog.ts';
import { majorTag, nextVersion, releaseTag } from './release-version.ts';

const USAGE = 'Usage: npm run release -- <X.Y.Z | major | minor | patch> [--dry-run]';
const RELEASE_BRANCH = 'main';

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function gitWithInput(input: string, ...args: string[]): void {
  execFileSync('git', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs npm quietly; its output is shown only when it fails. */
function npm(...args: string[]): void {
  const result = spawnSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`npm ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ` (exit code ${result.status})`}.`);
  }
}

function release(wanted: string, dryRun: boolean): void {
  process.chdir(git('rev-parse', '--show-toplevel'));
  const changes = git('status', '--porcelain', '--untracked-files=all');
  if (changes) throw new Error(`the working tree has changes; commit or stash them first:\n${changes}`);
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
  if (branch !== RELEASE_BRANCH) {
    throw new Error(`releases are made from ${RELEASE_BRANCH} (the release workflow refuses a tag that is not on it); this is ${branch}.`);
  }

  const current = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  const version = nextVersion(current, wanted);
  const tag = releaseTag(version);
  if (spawnSync('git', ['rev-parse', '--quiet', '--verify', `refs/tags/${tag}`]).status === 0) throw new Error(`the tag ${tag} exists already.`);
  const section = releaseSection(readFileSync('CHANGELOG.md', 'utf8'), version);
  const today = new Date().toISOString().slice(0, 10);
  if (section.date !== today) console.warn(`Note: CHANGELOG.md dates ${version} ${section.date}, not today (${today}).`);

  console.log('Rebuilding dist/ (npm run build) to check that it matches src/…');
  npm('run', 'build');
  const stale = git('status', '--porcelain', '--untracked-files=all', '--', 'dist');
  if (stale) {
    throw new Error(`dist/ is not a fresh build of src/. The rebuilt dist/ is left in the working tree: review and commit it, then run the release again.\n${stale}`);
  }

  const major = majorTag(version);
  if (dryRun) {
    console.log(`Checks passed. Without --dry-run: package.json ${current} → ${version}, a "Release ${tag}" commit, the tag ${tag}.`);
    return;
  }
  npm('version', version, '--no-git-tag-version', '--ignore-scripts');
  console.log(`package.json and package-lock.json: ${current} → ${version}. Rebuilding dist/ with the new version…`);
  npm('run', 'build');
  git('add', '--', 'package.json', 'package-lock.json', 'dist');
  git('commit', '--quiet', '-m', `Release ${tag}`);
  // The notes are markdown: verbatim, or git would drop their `### Added` lines as comments.
  gitWithInput(`${tag}\n\n${section.notes}\n`, 'tag', '--annotate', '--cleanup=verbatim', '--file=-', tag);
  console.log(`Committed "Release ${tag}" and tagged ${tag}.

Push both, and the release workflow does the rest (tests, dist check, GitHub release${major ? `, ${major} moved to ${tag}` : ''}, npm):
  git push origin ${RELEASE_BRANCH} ${tag}`);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false } } });
if (positionals.length !== 1 || !positionals[0]) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  try {
    release(positionals[0], values['dry-run'] ?? false);
  } catch (error) {
    // Refusals, and the checks' own errors (version, CHANGELOG), are messages for the person releasing.
    console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
