/** What a CLI command may touch of its process: tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdout is a terminal: colours are welcome. */
  isTTY: boolean;
}
