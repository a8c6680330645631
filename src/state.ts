/** Names of the state the main step saves for the post step (`STATE_<name>` there). */
export const STATE = {
  isPost: 'isPost',
  runId: 'run-id',
  attemptToken: 'attempt-token',
  finished: 'run-finished',
} as const;
