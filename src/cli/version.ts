import packageJson from '../../package.json' with { type: 'json' };

/**
 * The package's version. ncc inlines it into dist/cli/index.js (only this field of package.json), so the
 * bundle reports the version it was built as, wherever it is installed; a version bump without a
 * rebuild is a stale dist/, which the dist check catches.
 */
export const VERSION: string = packageJson.version;
