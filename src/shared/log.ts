/** Where a layer reports as it goes: the runner's log (the action) or the terminal's stderr (the CLI). */
export interface Log {
  info(line: string): void;
  warning(line: string): void;
}
