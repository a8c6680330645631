import { METADATA_MAX_KEYS, METADATA_MAX_VALUE_CHARS } from '../evals-api/metadata-limits.js';
import type { GitContext } from '../github/context.js';
import { RUN_METADATA_KEYS } from '../shared/run-metadata-keys.js';
import { InputError } from './input-error.js';

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

