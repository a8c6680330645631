// CHANGELOG.md's sections (scripts/changelog.ts): what `npm run release` checks and the release
// workflow publishes as a GitHub release's notes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { changelogSections, releaseSection } from '../../scripts/changelog.ts';
import { REPO_ROOT } from '../harness/runner.ts';

const CHANGELOG = `# Changelog

Intro text, not a section.

## [Unreleased]

### Fixed
- Something pending.

## [1.1.0] - 2026-12-24

### Added
- A new input.

### Fixed
- A bug | with a pipe.

## [1.0.1]

## [1.0.0] - 2026-12-02

- The first release.

[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0
`;

describe('changelogSections', () => {
  it('one section per "## " heading, with its version, date and trimmed text; the link references are not notes', () => {
    expect(changelogSections(CHANGELOG)).toEqual([
      { version: 'Unreleased', date: null, notes: '### Fixed\n- Something pending.' },
      { version: '1.1.0', date: '2026-12-24', notes: '### Added\n- A new input.\n\n### Fixed\n- A bug | with a pipe.' },
      { version: '1.0.1', date: null, notes: '' },
      { version: '1.0.0', date: '2026-12-02', notes: '- The first release.' },
    ]);
  });

  it('reads CRLF files the same', () => {
    expect(changelogSections(CHANGELOG.replace(/\n/g, '\r\n'))).toEqual(changelogSections(CHANGELOG));
  });
});

describe('releaseSection', () => {
  it('gives the notes of a version', () => {
    expect(releaseSection(CHANGELOG, '1.0.0')).toEqual({ version: '1.0.0', date: '2026-12-02', notes: '- The first release.' });
  });

  it('refuses a version without a section, saying what heading to write', () => {
    expect(() => releaseSection(CHANGELOG, '2.0.0')).toThrow('CHANGELOG.md has no section for 2.0.0: move the notes under "## [Unreleased]" to a "## [2.0.0] - YYYY-MM-DD" heading.');
  });

  it('refuses a section without a date, or an empty one', () => {
    expect(() => releaseSection(CHANGELOG, '1.0.1')).toThrow('needs the release date');
    expect(() => releaseSection(CHANGELOG.replace('## [1.0.1]', '## [1.0.1] - 2026-12-10'), '1.0.1')).toThrow('the section of 1.0.1 is empty');
    expect(() => releaseSection(CHANGELOG.replace('## [1.0.1]', '## [1.0.1] - soon'), '1.0.1')).toThrow('needs the release date');
  });
});

describe("the repository's CHANGELOG.md", () => {
  const sections = changelogSections(readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8'));
  const releases = sections.slice(1);

  it('starts with Unreleased, then dated releases, newest first, each with notes', () => {
    expect(sections[0]?.version).toBe('Unreleased');
    expect(releases.length).toBeGreaterThan(0);
    for (const section of releases) {
      expect(semver.valid(section.version), section.version).toBe(section.version);
      expect(releaseSection(readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8'), section.version).notes).not.toBe('');
    }
    const versions = releases.map((section) => section.version);
    expect(versions).toEqual([...versions].sort(semver.rcompare));
  });

  it('links every release to its tag', () => {
    const text = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    for (const { version } of releases) expect(text).toMatch(new RegExp(`^\\[${version.replace(/\./g, '\\.')}\\]: https://github\\.com/evals-gate/evals-gate/.*v${version.replace(/\./g, '\\.')}$`, 'm'));
  });
});
