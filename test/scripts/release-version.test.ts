// The version and tags of a release (scripts/release-version.ts).
import { describe, expect, it } from 'vitest';
import { majorTag, nextVersion, releaseTag } from '../../scripts/release-version.ts';

describe('nextVersion', () => {
  it('bumps major, minor or patch', () => {
    expect(nextVersion('1.4.2', 'major')).toBe('2.0.0');
    expect(nextVersion('1.4.2', 'minor')).toBe('1.5.0');
    expect(nextVersion('1.4.2', 'patch')).toBe('1.4.3');
    expect(nextVersion('0.1.0', 'major')).toBe('1.0.0');
  });

  it('finishes a prerelease', () => {
    expect(nextVersion('2.0.0-rc.1', 'major')).toBe('2.0.0');
    expect(nextVersion('2.0.0-rc.1', 'patch')).toBe('2.0.0');
  });

  it('takes an explicit version above the current one, with or without the v', () => {
    expect(nextVersion('0.1.0', '1.0.0')).toBe('1.0.0');
    expect(nextVersion('1.4.2', 'v1.10.0')).toBe('1.10.0');
    expect(nextVersion('1.4.2', '2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(nextVersion('2.0.0-rc.1', '2.0.0-rc.2')).toBe('2.0.0-rc.2');
  });

  it('refuses a version that is not above the current one', () => {
    expect(() => nextVersion('1.4.2', '1.4.2')).toThrow('1.4.2 is not above the current version 1.4.2.');
    expect(() => nextVersion('1.4.2', '1.3.9')).toThrow('is not above');
    expect(() => nextVersion('2.0.0', '2.0.0-rc.1')).toThrow('is not above');
  });

  it('refuses what is not a version', () => {
    for (const wanted of ['1.4', '1.4.2.1', '01.4.2', '=1.5.0', ' 1.5.0', 'latest', '1.5.0+build.1', '']) {
      expect(() => nextVersion('1.4.2', wanted), wanted).toThrow('is not a version');
    }
    expect(() => nextVersion('one', 'patch')).toThrow('package.json\'s version "one" is not a semantic version.');
  });
});

describe('tags', () => {
  it('vX.Y.Z for a release; the major tag only for a final release', () => {
    expect(releaseTag('1.2.3')).toBe('v1.2.3');
    expect(majorTag('1.2.3')).toBe('v1');
    expect(majorTag('0.4.0')).toBe('v0');
    expect(majorTag('2.0.0-rc.1')).toBeNull();
  });
});
