/** A flag of `evals-gate run`: the action input of the same name, or one the CLI alone has. */
export interface FlagSpec {
  name: string;
  /** Shown in `--help`. */
  help: string;
  /** The action's default, applied when the flag is absent. */
  default: string;
  /** Given several times, the values become lines (as the action's multi-line inputs). */
  repeatable?: boolean;
  /** Takes no value. */
  boolean?: boolean;
}

/**
 * The action's inputs as flags. The GitHub-only ones (comment, comment-key, github-token,
 * issue-on-failure, results-artifact) are left out: the CLI reports to the terminal and to files, and
 * keeps the run's record in its --results-file.
 */
export const INPUT_FLAGS: readonly FlagSpec[] = [
  { name: 'eval-file', help: 'An eval definition (JSON/YAML, the Evals API create format) to run.', default: '' },
  { name: 'eval-id', help: 'An eval on the Evals API endpoint (eval_…) to run instead.', default: '' },
  { name: 'engine', help: 'remote (the endpoint at --base-url) or local (in this process). Default: remote with --eval-id, else local.', default: '' },
  { name: 'data-file', help: 'JSONL rows: {"item":{…},"sample":{…}} or bare items.', default: '' },
  { name: 'data-source', help: 'The run\'s data_source: a .json/.yaml file or inline JSON/YAML.', default: '' },
  { name: 'model', help: 'Model to sample, for completions/responses data sources.', default: '' },
  { name: 'threshold', help: 'Minimum score: a number in [0, 1] or a percentage such as 90%.', default: '1' },
  { name: 'criteria-thresholds', help: '"NAME: RATE" minimum for one criterion. Repeatable.', default: '', repeatable: true },
  { name: 'model-base-url', help: 'Local engine: OpenAI-compatible endpoint for sampling and judges. Default: $OPENAI_BASE_URL, then OpenAI.', default: '' },
  { name: 'model-api-key', help: 'Local engine: key for --model-base-url. Default: $OPENAI_API_KEY.', default: '' },
  { name: 'concurrency', help: 'Local engine: items evaluated at once.', default: '8' },
  { name: 'allow-code-graders', help: 'Local engine: let python graders run on pull_request_target and workflow_run events (GITHUB_EVENT_NAME).', default: 'false' },
  { name: 'base-url', help: 'Remote engine: the Evals API endpoint. Default: $OPENAI_BASE_URL, then OpenAI.', default: '' },
  { name: 'api-key', help: 'Remote engine: key for --base-url. Default: $OPENAI_API_KEY (prefer the variable: flags end up in shell history).', default: '' },
  { name: 'auth-header', help: 'Remote engine: authorization (Bearer) or api-key (Azure).', default: 'authorization' },
  { name: 'azure-client-id', help: 'Remote engine: Entra ID sign-in through GitHub OIDC (GitHub runners only).', default: '' },
  { name: 'azure-tenant-id', help: 'Remote engine: the Entra tenant of --azure-client-id.', default: '' },
  { name: 'azure-scope', help: 'Remote engine: Entra token scope. Default: the endpoint\'s (Azure OpenAI: https://cognitiveservices.azure.com/.default, Foundry: https://ai.azure.com/.default).', default: '' },
  { name: 'extra-headers', help: 'Remote engine: "Name: value" sent with every request. Repeatable.', default: '', repeatable: true },
  { name: 'extra-query', help: 'Remote engine: "name: value" added to every request\'s query. Repeatable.', default: '', repeatable: true },
  { name: 'organization', help: 'Remote engine: OpenAI organization header.', default: '' },
  { name: 'project', help: 'Remote engine: OpenAI project header.', default: '' },
  { name: 'run-name', help: 'Run name. Default: from the git context.', default: '' },
  { name: 'metadata', help: '"key=value" run metadata. Repeatable.', default: '', repeatable: true },
  { name: 'timeout-minutes', help: 'Longest wait for the run; then it is cancelled.', default: '60' },
  { name: 'poll-interval', help: 'Longest pause between status polls, in seconds.', default: '10' },
  { name: 'report-items', help: 'Failing items listed in the report.', default: '20' },
  { name: 'show-item-content', help: 'false: list item ids and verdicts only, never inputs or outputs.', default: 'true' },
  { name: 'baseline', help: 'auto, a run id, none, or FILE: the --results-file of an earlier run (or a kept record) to compare with.', default: 'auto' },
  { name: 'baseline-ref', help: 'Branch whose runs are the baseline.', default: '' },
  { name: 'max-regressions', help: 'Items newly failing vs the baseline that are allowed.', default: '' },
  { name: 'max-score-drop', help: 'Allowed score drop vs the baseline: points (2) or percent (2%).', default: '' },
  { name: 'min-significance', help: 'e.g. 0.05: regression limits fail only when the change is significant.', default: '' },
  { name: 'history', help: 'Runs of the branch in the trend.', default: '20' },
];

/** Flags of `evals-gate run` that the action has no input for. */
export const RUN_ONLY_FLAGS: readonly FlagSpec[] = [
  { name: 'results-file', help: 'Also write the machine-readable result (JSON) here.', default: '' },
  { name: 'markdown-file', help: 'Also write the report as markdown (the job summary\'s) here.', default: '' },
  { name: 'json', help: 'Print the result as JSON instead of the report.', default: '', boolean: true },
  { name: 'no-color', help: 'Plain text, even on a terminal (NO_COLOR works too).', default: '', boolean: true },
];

export const EXPORT_FLAGS: readonly FlagSpec[] = [
  { name: 'eval-id', help: 'The eval to export (eval_…). Required.', default: '' },
  { name: 'out', help: 'Directory for the files.', default: 'evals' },
  { name: 'force', help: 'Overwrite files that exist.', default: '', boolean: true },
  ...INPUT_FLAGS.filter((flag) => ['base-url', 'api-key', 'auth-header', 'azure-client-id', 'azure-tenant-id', 'azure-scope', 'extra-headers', 'extra-query', 'organization', 'project'].includes(flag.name)),
];
