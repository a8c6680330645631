// The runner's reading of a step's stdout as workflow commands, as actions/runner does it
// (ActionCommandManager, ActionCommand.TryParseV2 / TryParse): lines end at \n, \r or \r\n; a line
// whose text after leading white space starts with `::` and holds a second `::` is a command; so is
// `##[name ...]data` anywhere in a line; between `::stop-commands::TOKEN` and `::TOKEN::` nothing is.

export interface WorkflowCommand {
  /** `error`, `warning`, `add-mask`, `stop-commands`, … as the runner would see it. */
  name: string;
  /** The raw line that carried it. */
  line: string;
}

export function workflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | null = null;
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    if (stopToken !== null) {
      if (line.trim() === `::${stopToken}::`) stopToken = null;
      continue;
    }
    const v2 = /^::([^\s:][^:]*?)(?:\s[^:]*)?::(.*)$/su.exec(line.trimStart());
    if (v2) {
      const name = (v2[1] ?? '').toLowerCase();
      commands.push({ name, line });
      if (name === 'stop-commands') stopToken = v2[2] ?? '';
      continue;
    }
    const v1 = /##\[([^\]\s]+)[^\]]*\]/u.exec(line);
    if (v1) commands.push({ name: (v1[1] ?? '').toLowerCase(), line });
  }
  return commands;
}
