import type { GitContext } from '../github/context.js';
import { InputError } from './input-error.js';
import { METADATA_MAX_KEYS, METADATA_MAX_VALUE_CHARS } from './input-parsers.js';

/** Metadata keys the action writes on every run; later features (baselines, history) read them back. */
export const RUN_METADATA_KEYS = {
  source: 'created_by',
  repository: 'repository',
  branch: 'branch',
  sha: 'sha',
  pr: 'pr',
  event: 'event',
  workflowRun: 'workflow_run',
  commentKey: 'gate_key',
  attemptToken: 'gate_attempt',
  /** A fingerprint of the data source's rows: runs with the same one pair their items by id. */
  dataset: 'dataset',
} as const;

/** The key whose value tells this workflow attempt's run apart from every other. */
export const RUN_TOKEN_KEY = RUN_METADATA_KEYS.attemptToken;

export function buildRunMetadata(
  git: GitContext,
  commentKey: string,
  attemptToken: string,
  user: Record<string, string>,
  dataset: string | null = null,
): Record<string, string> {
  const k = RUN_METADATA_KEYS;
  const ours: Record<string, string | null> = {
    [k.source]: 'evals-gate',
    [k.repository]: git.repository,
    [k.branch]: git.branch,
    [k.sha]: git.sha,
    [k.pr]: git.prNumber === null ? null : String(git.prNumber),
    [k.event]: git.eventName,
    [k.workflowRun]: git.runId ? `${git.runId}/${git.runAttempt}` : null,
    [k.commentKey]: commentKey,
    [k.attemptToken]: attemptToken,
    [k.dataset]: dataset,
  };
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(ours)) {
    if (value) metadata[key] = value.slice(0, METADATA_MAX_VALUE_CHARS);
  }
  for (const [key, value] of Object.entries(user)) {
    if (Object.hasOwn(ours, key)) throw new InputError('metadata', `key "${key}" is written by the action itself; choose another name.`);
    metadata[key] = value;
  }
  const count = Object.keys(metadata).length;
  if (count > METADATA_MAX_KEYS) {
    const room = METADATA_MAX_KEYS - (count - Object.keys(user).length);
    throw new InputError(
      'metadata',
      `${Object.keys(user).length} keys given, but a run takes ${METADATA_MAX_KEYS} in all and the action writes ${count - Object.keys(user).length}: at most ${room} are left for yours.`,
    );
  }
  return metadata;
}

