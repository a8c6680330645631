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
