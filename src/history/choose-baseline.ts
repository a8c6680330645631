// Which stored records may be a baseline, and in which order to try them. Pure: the artifacts' listing
// and the records' headers in, a decision out.
import type { StoredArtifact } from '../github/artifacts.js';
import type { RecordHeader } from './record-format.js';

/** Runs of the branch itself: a pull request's run (even a same-repository one) is never a baseline. */
export const BASELINE_EVENTS: readonly string[] = ['push', 'schedule', 'workflow_dispatch'];

export interface RecordWanted {
  gateKey: string;
  /** `owner/repo` of this run. */
  repository: string | null;
  /** This repository's id (`GITHUB_REPOSITORY_ID`), when the runner gave it. */
  repositoryId: number | null;
  /** The branch whose records count: `baseline-ref`, or the branch itself for a trend. */
  branch: string;
  /** The data source's type: records of another kind do not compare. */
  datasetKind: string;
  /** The pull request's base commit: its record is preferred to a newer one. */
  preferSha: string | null;
  /** This workflow run, which is never its own baseline (an earlier attempt, another matrix leg). */
  excludeRunId: number | null;
}

/** Why listed artifacts were passed over, for the "No baseline" note. */
export interface PassedOver {
  expired: number;
  /** Uploaded by a run of another repository (a fork's pull request). */
  foreign: number;
  /** Uploaded by a run of another branch, or of this workflow run. */
  elsewhere: number;
}

/**
 * The artifacts that may hold a record to compare with, in the order to try them: the base commit's
 * first (newest first), then the rest, newest first. Expired artifacts, and those a run of another
 * repository uploaded (`head_repository_id` differs: a fork's pull request can upload any name into the
 * base repository's list, with a branch called main), are passed over and counted.
 */
export function orderCandidates(artifacts: readonly StoredArtifact[], wanted: RecordWanted): { candidates: StoredArtifact[]; passedOver: PassedOver } {
  const passedOver: PassedOver = { expired: 0, foreign: 0, elsewhere: 0 };
  const usable: StoredArtifact[] = [];
  for (const artifact of artifacts) {
    const run = artifact.workflowRun;
    if (!isOwnRepository(artifact, wanted.repositoryId)) passedOver.foreign++;
    else if (run.headBranch !== wanted.branch || (wanted.excludeRunId !== null && run.id === wanted.excludeRunId)) passedOver.elsewhere++;
    else if (artifact.expired) passedOver.expired++;
    else usable.push(artifact);
  }
  const newestFirst = [...usable].sort(byNewest);
  const preferred = wanted.preferSha === null ? [] : newestFirst.filter((artifact) => artifact.workflowRun.headSha === wanted.preferSha);
  const rest = newestFirst.filter((artifact) => !preferred.includes(artifact));
  return { candidates: [...preferred, ...rest], passedOver };
}

function isOwnRepository(artifact: StoredArtifact, repositoryId: number | null): boolean {
  const { repositoryId: runRepository, headRepositoryId } = artifact.workflowRun;
  if (runRepository === null || headRepositoryId === null || headRepositoryId !== runRepository) return false;
  return repositoryId === null || runRepository === repositoryId;
}

function byNewest(a: StoredArtifact, b: StoredArtifact): number {
  const time = (artifact: StoredArtifact) => (artifact.createdAt === null ? 0 : Date.parse(artifact.createdAt) || 0);
  return time(b) - time(a) || b.id - a.id;
}

/** Why a record cannot be a baseline, by what it says. */
export type Rejection = 'event' | 'branch' | 'gate' | 'repository' | 'dataset' | 'run';

/**
 * Checks a record's header against what is wanted and against the artifact that carried it: the event
 * is read from the record, and the record's own run, branch and commit must be the artifact's run's.
 * Null when it may be the baseline.
 */
export function rejectRecord(header: RecordHeader, artifact: StoredArtifact, wanted: RecordWanted): Rejection | null {
  const run = artifact.workflowRun;
  if (header.event === null || !BASELINE_EVENTS.includes(header.event) || header.pr !== null) return 'event';
  if (header.branch !== wanted.branch) return 'branch';
  if (header.gate_key !== wanted.gateKey) return 'gate';
  if (wanted.repository !== null && (header.repository ?? '').toLowerCase() !== wanted.repository.toLowerCase()) return 'repository';
  if (header.workflow_run.id !== (run.id === null ? null : String(run.id)) || (run.headSha !== null && header.sha !== run.headSha)) return 'run';
  if (header.dataset.kind !== wanted.datasetKind) return 'dataset';
  return null;
}
