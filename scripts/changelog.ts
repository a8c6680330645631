// CHANGELOG.md in the Keep a Changelog format (https://keepachangelog.com/en/1.1.0/): one
// `## [X.Y.Z] - YYYY-MM-DD` section per release, newest first, under `## [Unreleased]`. The release
// script checks that the version being released has its section; the release workflow takes the
// GitHub release's notes from it. Pure: text in, text out.

export interface ReleaseSection {
  version: string;
  /** The date in the heading (YYYY-MM-DD), or null when the heading has none. */
  date: string | null;
  /** The section's text below its heading, trimmed: the release notes. */
  notes: string;
}

/** `## [1.2.3] - 2026-12-02`, `## [1.2.3]`, `## 1.2.3 - 2026-12-02`. */
const HEADING = /^## \[?([^\]\s]+)\]?(?:\s+-\s+(\S+))?\s*$/;
/** The link references at the end: `[1.2.3]: https://…`. */
const LINK_REFERENCE = /^\[[^\]]+\]:\s*\S/;

/** Every section of the changelog, in order (`Unreleased` included). */
export function changelogSections(changelog: string): ReleaseSection[] {
  const sections: ReleaseSection[] = [];
  let current: { version: string; date: string | null; lines: string[] } | null = null;
  const close = () => {
    if (current) sections.push({ version: current.version, date: current.date, notes: current.lines.join('\n').trim() });
  };
  for (const line of changelog.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading) {
      close();
      current = { version: heading[1] ?? '', date: heading[2] ?? null, lines: [] };
    } else if (current && LINK_REFERENCE.test(line)) {
      close();
      current = null;
    } else {
      current?.lines.push(line);
    }
  }
  close();
  return sections;
}

/** The section of one version, checked: it exists, has a date and says something. Throws otherwise. */
export function releaseSection(changelog: string, version: string): ReleaseSection & { date: string } {
  const section = changelogSections(changelog).find((candidate) => candidate.version === version);
  if (!section) {
    throw new Error(`CHANGELOG.md has no section for ${version}: move the notes under "## [Unreleased]" to a "## [${version}] - YYYY-MM-DD" heading.`);
  }
  if (!section.date || !/^\d{4}-\d{2}-\d{2}$/.test(section.date)) {
    throw new Error(`CHANGELOG.md: the heading of ${version} needs the release date, as "## [${version}] - YYYY-MM-DD".`);
  }
  if (!section.notes) throw new Error(`CHANGELOG.md: the section of ${version} is empty; say what changed.`);
  return { ...section, date: section.date };
}
