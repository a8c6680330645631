import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// dist/ is what the runner executes; it is committed, so it must be exactly a fresh build of src/.
describe('dist/', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'evals-gate-dist-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('matches a fresh build of src/ (run `npm run build` and commit dist/)', () => {
    execFileSync(process.execPath, ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', 'src/index.ts', '-o', fresh, '--source-map', '--license', 'licenses.txt'], {
      stdio: 'pipe',
    });
    const built = readdirSync(fresh).sort();
    expect(readdirSync('dist').sort()).toEqual(built);
    for (const file of built) {
      const same = readFileSync(join('dist', file)).equals(readFileSync(join(fresh, file)));
      expect(same, `dist/${file} differs from a fresh build`).toBe(true);
    }
  }, 120_000);
});
