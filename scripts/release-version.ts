// The version a release gets, and its tags. Pure. Versions follow semver (the npm team's own parser).
import semver from 'semver';

/** `major`, `minor` or `patch` of the current version, or an explicit X.Y.Z[-pre] above it. */
export function nextVersion(current: string, wanted: string): string {
  const from = semver.valid(current);
  if (!from) throw new Error(`package.json's version ${JSON.stringify(current)} is not a semantic version.`);
  if (wanted === 'major' || wanted === 'minor' || wanted === 'patch') return semver.inc(from, wanted) ?? '';
  const to = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(wanted) ? semver.valid(wanted) : null;
  if (!to) throw new Error(`${JSON.stringify(wanted)} is not a version: give X.Y.Z (or X.Y.Z-rc.N), or major, minor or patch.`);
  if (!semver.gt(to, from)) throw new Error(`${to} is not above the current version ${from}.`);
  return to;
}

/** The tag of a release: `v1.2.3`. */
export function releaseTag(version: string): string {
  return `v${version}`;
}

/** The moving tag that follows a major version's latest release (`v1`); prereleases do not move it. */
export function majorTag(version: string): string | null {
  return semver.prerelease(version) ? null : `v${semver.major(version)}`;
}
