// The baseline and the trend from the records earlier runs kept as workflow artifacts: the path of the
// local engine, and of the remote one when the Evals API holds no usable run.
import type { BaselineInput } from '../analysis/analyse-run.js';
import type { ScorePoint } from '../analysis/gate-result.js';
import type { GitContext } from '../github/context.js';
import { ACTIONS_READ } from '../github/artifacts.js';
import { ArtifactListing, findBaselineRecord, findTrendRecords, noBaselineNote, type RecordSource } from '../history/find-records.js';
import type { RecordWanted } from '../history/choose-baseline.js';
import { trendPoints } from '../history/trend-points.js';
import type { Settings } from '../settings/settings.js';
import { describeAge, recordAsBaseline } from './record-baseline.js';

export interface RecordLookupRequest {
  source: RecordSource;
  artifactName: string;
  settings: Settings;
  git: GitContext;
  /** False when the baseline is found elsewhere (a file, the Evals API): only the trend is wanted. */
  wantBaseline: boolean;
  /** The data source's type (jsonl, completions, responses). */
  datasetKind: string;
  /** The current run's dataset fingerprint, as its record has it: equal ones pair items by id. */
  currentDataset: string;
  now: number;
  log: (line: string) => void;
}

export interface RecordLookup {
  baseline: BaselineInput | null;
  note: string | null;
  history: ScorePoint[] | null;
  /** One warning for the step, when reading the records failed in a way the workflow can fix (a permission). */
  warning: string | null;
}

/**
 * Finds the record to compare with (on `baseline-ref`) and, on push and schedule runs, the branch's
 * latest records for the trend. Listing is shared when both are of the same branch.
 */
export async function lookUpRecords(request: RecordLookupRequest): Promise<RecordLookup> {
  const { settings, git, source } = request;
  const branchRun = !git.isPullRequest && git.branch !== null;
  const base: Omit<RecordWanted, 'branch' | 'preferSha'> = {
    gateKey: settings.commentKey,
    repository: git.repository,
    repositoryId: git.repositoryId,
    datasetKind: request.datasetKind,
    excludeRunId: git.runId !== null && /^\d+$/.test(git.runId) ? Number(git.runId) : null,
  };
  const listing = new ArtifactListing(source, request.artifactName);
  let warning: string | null = null;
  const permissionWarning = `Could not read the records of earlier runs: GitHub answered 403. Add \`${ACTIONS_READ}\` to the workflow's permissions block to compare with a baseline and draw the trend.`;

  let baseline: BaselineInput | null = null;
  let note: string | null = null;
  const ref = settings.baselineRef;
  if (!request.wantBaseline) {
    note = null;
  } else if (settings.baseline.kind === 'none') {
    note = 'Not compared with a baseline (baseline: none).';
  } else if (!ref) {
    note = 'No baseline: this run is not on a branch and baseline-ref is empty. The gate judged the run alone.';
  } else {
    const preferSha = git.isPullRequest ? git.baseSha : null;
    const found = await findBaselineRecord(source, ref === git.branch && branchRun ? listing : new ArtifactListing(source, request.artifactName), { ...base, branch: ref, preferSha });
    for (const line of found.notes) request.log(line);
    if (found.kind === 'found') {
      const { header } = found.record;
      const label = branchRun && ref === git.branch ? 'vs the previous run' : `vs ${ref}`;
      const which = found.baseCommit ? "the pull request's base commit" : preferSha ? `the newest record on ${ref} (none of the base commit)` : `the newest record on ${ref}`;
      const url = header.repository && header.workflow_run.id ? `${git.serverUrl}/${header.repository}/actions/runs/${encodeURIComponent(header.workflow_run.id)}` : null;
      baseline = recordAsBaseline(found.record, request.currentDataset, { label, which, age: describeAge(header.created_at, request.now), url });
      request.log(`Comparing with the record of workflow run ${header.workflow_run.id ?? '?'} (${header.sha?.slice(0, 7) ?? 'no commit'}, ${which}; artifact ${found.artifact.id}).`);
    } else {
      note = [...found.notes, noBaselineNote(found.cause, { ref, gateKey: settings.commentKey, datasetKind: request.datasetKind, artifactName: request.artifactName })].join(' ');
      if (found.cause === 'permission') warning = permissionWarning;
    }
  }

  let history: ScorePoint[] | null = null;
  if (branchRun && git.branch !== null && settings.history > 0) {
    if (warning !== null) {
      history = [];
    } else {
      try {
        const records = await findTrendRecords(source, listing, { ...base, branch: git.branch, preferSha: null }, settings.history - 1);
        history = trendPoints(records, git.serverUrl);
      } catch (error) {
        if ((error as { name?: unknown } | null)?.name !== 'ArtifactsPermissionError') throw error;
        warning = permissionWarning;
        history = [];
      }
    }
  }
  return { baseline, note, history, warning };
}
