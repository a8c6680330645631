// The release workflow's check of a pushed tag, and its release notes: prints the CHANGELOG.md section
// of the tag's version (the GitHub release's body) after checking that package.json has that version,
// so that the npm package and the tag agree. Exit code 1, with the reason, when either check fails.
//
//   node scripts/release-notes.ts v1.2.0 > notes.md     # in the repository's root
import { readFileSync } from 'node:fs';
import { releaseSection } from './changelog.ts';

try {
  const tag = process.argv[2] ?? '';
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(tag)) throw new Error(`${JSON.stringify(tag)} is not a release tag (vX.Y.Z).`);
  const version = tag.slice(1);
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  if (packageJson.version !== version) {
    throw new Error(`the tag ${tag} is not package.json's version (${packageJson.version}): tag the commit that \`npm run release\` made.`);
  }
  process.stdout.write(`${releaseSection(readFileSync('CHANGELOG.md', 'utf8'), version).notes}\n`);
} catch (error) {
  console.error(`release-notes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
