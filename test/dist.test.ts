import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// dist/ is what the runner executes (dist/index.js) and what `npx evals-gate` runs (dist/cli/index.js);
// it is committed, so it must be exactly a fresh build of src/.
describe('dist/', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'evals-gate-dist-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('matches a fresh build of src/ (run `npm run build` and commit dist/)', () => {
    const ncc = (entry: string, out: string) =>
      execFileSync(process.execPath, ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', entry, '-o', out, '--source-map', '--license', 'licenses.txt'], { stdio: 'pipe' });
    ncc('src/action/index.ts', fresh);
    ncc('src/cli/index.ts', join(fresh, 'cli'));
    const built = files(fresh);
    expect(files('dist')).toEqual(built);
    for (const file of built) {
      const same = readFileSync(join('dist', file)).equals(readFileSync(join(fresh, file)));
      expect(same, `dist/${file} differs from a fresh build`).toBe(true);
    }
  }, 180_000);
});

function files(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as { isFile(): boolean; parentPath: string; name: string }[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}
