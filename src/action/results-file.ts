import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes the document into the runner's temp folder (or the OS's) and returns its path. */
export async function writeResultsFile(json: string | Iterable<string>, runId: string, dir = process.env.RUNNER_TEMP || tmpdir()): Promise<string> {
  const folder = join(dir, 'evals-gate');
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${runId.replace(/[^\w.-]/g, '_') || 'run'}.json`);
  await writeFile(path, json, 'utf8');
  return path;
}
