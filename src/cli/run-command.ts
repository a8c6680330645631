import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GateResult } from '../analysis/gate-result.js';
import { connectEvals } from '../gate/connect.js';
import { describeGateError, type InputNaming } from '../gate/error-message.js';
import { Gate, type GateHost, type GateOutcome } from '../gate/gate.js';
import { readGitContext } from '../github/context.js';
import { resultsFileText } from '../history/write-record.js';
import { renderSummary } from '../report/markdown.js';
import { terminalText } from '../report/plain-text.js';
import { resultsDocument } from '../report/results-document.js';
import { renderTerminalReport } from '../report/terminal-report.js';
import { readSettings } from '../settings/read-settings.js';
import type { InputSource, Settings } from '../settings/settings.js';
import { redactDeep, redactSecrets } from '../shared/redact.js';
import { Secrets } from '../shared/secrets.js';
import { onTermination } from '../shared/termination.js';
import type { CliIO } from './cli-io.js';
import { INPUT_FLAGS, RUN_ONLY_FLAGS } from './flags.js';
import { parseArgs } from './parse-args.js';

/** Exit codes: the verdict, or that the gate could not run (see exitCode). */
export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

/** The action's inputs the CLI sets itself: it reports to the terminal, never to GitHub. */
const FIXED_INPUTS: Record<string, string> = { comment: 'false', 'comment-key': '', 'github-token': '', 'issue-on-failure': 'false', 'results-artifact': 'none' };

/** `evals-gate run`: one gate, reported on stdout (progress on stderr); the exit code is the verdict. */
export async function runCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const flags = [...INPUT_FLAGS, ...RUN_ONLY_FLAGS];
  const { values } = parseArgs(argv, flags);
  const secrets = new Secrets(() => undefined);
  const defaults = new Map(flags.map((flag) => [flag.name, flag.default]));
  const source: InputSource = {
    read: (name) => FIXED_INPUTS[name] ?? values.get(name) ?? defaults.get(name) ?? '',
    env: { ...io.env, GITHUB_WORKSPACE: io.env.GITHUB_WORKSPACE || io.cwd },
    mask: (secret) => secrets.add(secret),
  };
  const git = readGitContext(io.env);
  let settings: Settings;
  try {
    settings = readSettings(git, source);
  } catch (error) {
    io.stderr(`${terminalText(redactSecrets(describeGateError(error, null, FLAG_NAMING), secrets.list()))}\n`);
    return EXIT.error;
  }

  // Progress and errors quote the eval, the server and the dataset: never a raw escape sequence.
  const say = (line: string) => io.stderr(`${terminalText(redactSecrets(line, secrets.list()))}\n`);
  const log = { info: say, warning: (line: string) => say(`warning: ${line}`) };
  const connection = connectEvals(settings, secrets, log, io.env);
  const host: GateHost = {
    ...log,
    fail: (message) => say(`error: ${message}`),
    remember: () => undefined,
    started: async () => false,
    redact: (text) => redactSecrets(text, secrets.list()),
  };
  const gate = new Gate(connection, settings, git, host);
  const uninstall = onTermination((signal) => gate.abandon(signal), 130);
  let outcome: GateOutcome;
  try {
    outcome = await gate.run();
  } finally {
    uninstall();
    await connection.close();
  }
  if (outcome.kind === 'abandoned') return EXIT.error;
  if (outcome.kind === 'error') {
    say(`error: ${describeGateError(outcome.error, settings.endpoint, FLAG_NAMING)}`);
    return EXIT.error;
  }
  const result = redactDeep(outcome.result, secrets.list());
  const evalName = redactSecrets(outcome.evalName, secrets.list());
  const document = resultsDocument(result, { showItemContent: settings.showItemContent });
  // The results file keeps the run's record: a later `--baseline FILE` compares with it. Redacted (a
  // copy of every item) only when it is written.
  const record = () => (outcome.record ? redactDeep(outcome.record, secrets.list()) : null);
  try {
    await writeIfAsked(io, 'results-file', values.get('results-file'), () => `${resultsFileText(document as object, record())}\n`);
    await writeIfAsked(io, 'markdown-file', values.get('markdown-file'), () =>
      renderSummary(result, { title: `evals-gate · ${evalName}`, showItemContent: settings.showItemContent, maxItems: Math.max(200, settings.reportItems) }),
    );
  } catch (error) {
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.error;
  }
  if (values.has('json')) {
    // Two writes, not one concatenation: the document of a large run is megabytes, copied once less.
    io.stdout(JSON.stringify(document, null, 2));
    io.stdout('\n');
  } else {
    const color = io.isTTY && !values.has('no-color') && !io.env.NO_COLOR;
    io.stdout(renderTerminalReport(result, { title: evalName, maxItems: settings.reportItems, showItemContent: settings.showItemContent, color }));
  }
  return exitCode(result);
}

/**
 * 0 the gate passed; 1 it judged the run and it failed (score, criteria, regressions); 2 there was no
 * run to judge: it failed, was canceled or timed out, or had no item to grade.
 */
export function exitCode(result: GateResult): number {
  if (result.verdict.result === 'pass') return EXIT.pass;
  const judged = result.status === 'completed' && result.counts.total - result.counts.skipped > 0;
  return judged ? EXIT.fail : EXIT.error;
}

/** The CLI names inputs by their flags. */
export const FLAG_NAMING: InputNaming = {
  subject: (input) => `Flag --${input}`,
  hint: (input, value) => (value === undefined ? `--${input}` : `--${input} ${value}`),
};

/** Writes a file a flag asked for; a file that cannot be written is an error naming the flag. */
async function writeIfAsked(io: CliIO, flag: string, path: string | undefined, content: () => string): Promise<void> {
  if (!path) return;
  try {
    await writeFile(resolve(io.cwd, path), content());
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`--${flag} ${JSON.stringify(path)} could not be written${typeof code === 'string' ? ` (${code})` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
