import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';
import { describeApiError, describeEndpoint } from './api-errors.js';
import { cursorItems } from './cursor-pages.js';
import type { EvalsClient } from './client.js';
import { toRunSnapshot } from './records.js';
import type { RunSnapshot } from './run-types.js';

/** Which earlier runs count as this gate's: same repository, branch, gate key and kind of data source. */
export interface GateRunFilter {
  repository: string | null;
  branch: string;
  gateKey: string;
  /** `jsonl`, `completions` or `responses`: runs of another kind do not compare. */
  dataSourceType: string;
  /** The current run, which is not its own baseline. */
  excludeRunId: string | null;
}

export interface GateRun {
  run: RunSnapshot;
  /** The fingerprint of the run's rows, when the action wrote one. */
  dataset: string | null;
}

/** Runs read at most when searching: 10 pages of 100. Older runs than that are not looked at. */
export const RUNS_SEARCHED = 1000;

/**
 * The eval's completed runs made by this gate on `filter.branch`, newest first, up to `want` of them.
 * Pull request runs never count (a fork's branch may be called main too): only runs with no `pr` key.
 */
export async function listGateRuns(
  client: EvalsClient,
  request: { evalId: string; baseURL: string; filter: GateRunFilter; want: number; signal?: AbortSignal; searched?: number },
): Promise<GateRun[]> {
  const { filter } = request;
  const k = RUN_METADATA_KEYS;
  const found: GateRun[] = [];
  let seen = 0;
  if (request.want <= 0) return found;
  try {
    const runs = client.evals.runs.list(request.evalId, { order: 'desc', limit: 100, status: 'completed' }, { signal: request.signal });
    const limit = request.searched ?? RUNS_SEARCHED;
    for await (const raw of cursorItems(runs, `listing the runs of eval ${request.evalId}`, describeEndpoint(request.baseURL))) {
      seen++;
      const metadata = raw.metadata ?? {};
      const matches =
        raw.id !== filter.excludeRunId &&
        raw.status === 'completed' &&
        metadata[k.source] === 'evals-gate' &&
        (filter.repository === null || metadata[k.repository] === filter.repository) &&
        metadata[k.branch] === filter.branch &&
        !metadata[k.pr] &&
        metadata[k.commentKey] === filter.gateKey &&
        raw.data_source?.type === filter.dataSourceType;
      if (matches) found.push({ run: toRunSnapshot(raw), dataset: metadata[k.dataset] ?? null });
      // Stop on the last run of the bound, not on the first one past it: no page is fetched in vain.
      if (found.length >= request.want || seen >= limit) break;
    }
  } catch (error) {
    throw describeApiError(error, { doing: `listing the runs of eval ${request.evalId}`, evalId: request.evalId, baseURL: request.baseURL });
  }
  return found;
}

/** A run named by the `baseline` input: it must be a completed run of the same eval. */
export async function readBaselineRun(
  client: EvalsClient,
  request: { evalId: string; runId: string; baseURL: string; signal?: AbortSignal },
): Promise<GateRun> {
  try {
    const raw = await client.evals.runs.retrieve(request.runId, { eval_id: request.evalId }, { signal: request.signal });
    return { run: toRunSnapshot(raw), dataset: raw.metadata?.[RUN_METADATA_KEYS.dataset] ?? null };
  } catch (error) {
    throw describeApiError(error, { doing: `reading baseline run ${request.runId}`, evalId: request.evalId, runId: request.runId, baseURL: request.baseURL });
  }
}
