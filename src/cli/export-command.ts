import { relative, resolve } from 'node:path';
import { exportEval } from '../evals-api/export-eval.js';
import { connectEvalsApi } from '../gate/connect.js';
import { describeGateError } from '../gate/error-message.js';
import { terminalText } from '../report/plain-text.js';
import { readEvalId } from '../settings/eval-choice.js';
import { readEndpointSettings } from '../settings/read-settings.js';
import type { InputSource } from '../settings/settings.js';
import { redactSecrets } from '../shared/redact.js';
import { Secrets } from '../shared/secrets.js';
import type { CliIO } from './cli-io.js';
import { EXPORT_FLAGS } from './flags.js';
import { EXIT, FLAG_NAMING } from './run-command.js';

/** `evals-gate export`: a remote eval and its latest dataset, written as files for the local engine. */
export async function exportCommand(values: Map<string, string>, io: CliIO): Promise<number> {
  const secrets = new Secrets(() => undefined);
  const defaults = new Map(EXPORT_FLAGS.map((flag) => [flag.name, flag.default]));
  const source: InputSource = {
    read: (name) => values.get(name) ?? defaults.get(name) ?? '',
    env: io.env,
    mask: (secret) => secrets.add(secret),
  };
  const say = (line: string) => io.stderr(`${terminalText(redactSecrets(line, secrets.list()))}\n`);
  let evalId: string;
  let endpoint: ReturnType<typeof readEndpointSettings>;
  try {
    evalId = readEvalId(source.read);
    endpoint = readEndpointSettings(source);
  } catch (error) {
    say(describeGateError(error, null, FLAG_NAMING));
    return EXIT.error;
  }
  // Relative paths: the files' headers and the printed command name them as typed, not as /home/….
  const outDir = relative(process.cwd(), resolve(io.cwd, source.read('out') || 'evals')) || '.';
  try {
    const client = connectEvalsApi(endpoint, secrets, { info: say, warning: (line) => say(`warning: ${line}`) }, io.env);
    const written = await exportEval(client, { evalId, outDir, baseURL: endpoint.baseURL, overwrite: values.has('force'), log: say });
    for (const warning of written.warnings) say(`warning: ${warning}`);
    const files = [written.evalFile, written.dataFile, written.dataSourceFile].filter((file): file is string => file !== null);
    io.stdout(`${files.map((file) => `wrote ${file}`).join('\n')}\n`);
    // Paths as typed from here, quoted for a POSIX shell: the line is meant to be pasted.
    const path = (file: string) => shellQuote(relative(io.cwd, file) || file);
    const run = ['evals-gate run', `--eval-file ${path(written.evalFile)}`];
    if (written.dataFile) run.push(`--data-file ${path(written.dataFile)}`);
    if (written.dataSourceFile) run.push(`--data-source ${path(written.dataSourceFile)}`);
    io.stdout(`\nRun it locally with:\n  ${run.join(' ')}\n`);
    return EXIT.pass;
  } catch (error) {
    say(`error: ${describeGateError(error, endpoint, FLAG_NAMING)}`);
    return EXIT.error;
  }
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
