import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { DefaultArtifactClient } from '@actions/artifact';

export type RecordUpload = { kind: 'uploaded'; id: number; size: number } | { kind: 'failed'; warning: string };

/**
 * Keeps the run's record as a workflow artifact: one file, uploaded unzipped (so that later runs read
 * it as it is), whose name is the artifact's. Never throws: a failure is one warning for the step,
 * and the verdict stays what it was.
 */
export async function uploadRecord(name: string, lines: Iterable<string>): Promise<RecordUpload> {
  // @actions/artifact reads the runner's variables from the environment itself.
  const env = process.env;
  const failed = (why: string): RecordUpload => ({ kind: 'failed', warning: `This run's results record was not kept as artifact "${name}": ${why}. Later runs cannot compare with it; the verdict is unchanged.` });
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) return failed('the runner gave this step no ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL');
  if (isEnterpriseServer(env.GITHUB_SERVER_URL)) return failed('GitHub Enterprise Server has no v2 artifact service, which keeping records needs');
  let dir: string | null = null;
  try {
    const parent = join(env.RUNNER_TEMP || tmpdir(), 'evals-gate');
    await mkdir(parent, { recursive: true });
    dir = await mkdtemp(join(parent, 'record-'));
    const path = join(dir, name);
    const out = createWriteStream(path, { encoding: 'utf8' });
    for (const line of lines) if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    out.end();
    await finished(out);
    const uploaded = await new DefaultArtifactClient().uploadArtifact(name, [path], dir, { skipArchive: true });
    if (uploaded.id === undefined) return failed('the results service gave no artifact id');
    return { kind: 'uploaded', id: uploaded.id, size: uploaded.size ?? 0 };
  } catch (error) {
    return failed(oneLine(error instanceof Error ? error.message : String(error)));
  } finally {
    if (dir !== null) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** As @actions/artifact tells GitHub.com and GHE.com (data residency) from a GitHub Enterprise Server. */
function isEnterpriseServer(serverUrl: string | undefined): boolean {
  const host = new URL(serverUrl || 'https://github.com').hostname.toUpperCase();
  return host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
