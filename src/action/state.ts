/** Names of the state the main step saves for the post step (`STATE_<name>` there). */
export const STATE = {
  isPost: 'isPost',
  evalId: 'eval-id',
  runId: 'run-id',
  attemptToken: 'attempt-token',
  finished: 'run-finished',
} as const;
