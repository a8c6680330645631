import type { ScorePoint } from '../analysis/gate-result.js';
import type { TrendRecord } from './find-records.js';

/**
 * The trend's earlier points from the branch's records (given newest first), oldest first. Each shows
 * its record's own verdict, and links to the workflow run that made it.
 */
export function trendPoints(records: readonly TrendRecord[], serverUrl: string): ScorePoint[] {
  return [...records].reverse().map(({ header, artifact }) => {
    const runId = header.workflow_run.id ?? String(artifact.workflowRun.id ?? artifact.id);
    const url = header.repository && header.workflow_run.id ? `${serverUrl}/${header.repository}/actions/runs/${encodeURIComponent(header.workflow_run.id)}` : null;
    return { runId, label: recordLabel(header), score: header.score, url, status: header.verdict };
  });
}

/** A record's place on the trend's axis: its date (MM-DD, UTC) and commit, e.g. `11-22 1a2b3c4`. */
export function recordLabel(header: { created_at: string; sha: string | null }): string {
  const sha = header.sha?.slice(0, 7) ?? '';
  const time = Date.parse(header.created_at);
  if (Number.isNaN(time)) return sha;
  const date = new Date(time);
  const day = `${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
  return sha ? `${day} ${sha}` : day;
}
