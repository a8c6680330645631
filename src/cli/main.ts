import type { CliIO } from './cli-io.js';
import { exportCommand } from './export-command.js';
import { EXPORT_FLAGS, INPUT_FLAGS, RUN_ONLY_FLAGS } from './flags.js';
import { describeFlags, parseArgs, UsageError } from './parse-args.js';
import { EXIT, runCommand } from './run-command.js';
import { VERSION } from './version.js';

const USAGE = `evals-gate: an eval as a quality gate, from a terminal or any CI system.

Usage:
  evals-gate run [flags]       Run an eval and judge it. Exit code: 0 pass, 1 fail, 2 could not run,
                               130 interrupted.
  evals-gate export [flags]    Write a remote eval into the repository (eval file + JSONL dataset).
  evals-gate <command> --help  The flags of a command.
  evals-gate --version         The version.

Examples:
  evals-gate run --eval-file evals/support.eval.yaml --data-file evals/support.jsonl --threshold 90%
  evals-gate run --eval-id eval_abc123 --data-file evals/support.jsonl   (needs OPENAI_API_KEY)
  evals-gate export --eval-id eval_abc123 --out evals/

The flags of run are the GitHub Action's inputs (see the README). Keys come from OPENAI_API_KEY
(or --api-key/--model-api-key); they never appear in the output.
`;

const RUN_HELP = `evals-gate run: run an eval and judge it.

The report goes to stdout, progress to stderr. Exit code: 0 the gate passed, 1 it judged the run
and it failed, 2 it could not run (a bad flag, an API error, a run that failed, was canceled, timed
out or had no items), 130 interrupted. A run the gate started is cancelled before it stops.

Flags (the action's inputs):
${describeFlags(INPUT_FLAGS)}

Flags of the CLI alone:
${describeFlags(RUN_ONLY_FLAGS)}
`;

const EXPORT_HELP = `evals-gate export: write a remote eval into the repository, ready for the local engine.

Writes <out>/<name>.eval.yaml (the definition), <out>/<name>.jsonl (the dataset of the eval's latest
run, from its inline rows or its file) and, for sampled runs, <out>/<name>.data-source.yaml. Then:
  evals-gate run --eval-file <out>/<name>.eval.yaml --data-file <out>/<name>.jsonl

Flags:
${describeFlags(EXPORT_FLAGS)}
`;

/** The CLI: dispatches to a command and returns the process's exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  try {
    switch (command) {
      case 'run':
        if (wantsHelp) return help(io, RUN_HELP);
        return await runCommand(rest, io);
      case 'export':
        if (wantsHelp) return help(io, EXPORT_HELP);
        return await exportCommand(parseArgs(rest, EXPORT_FLAGS).values, io);
      case '--version':
        io.stdout(`${VERSION}\n`);
        return EXIT.pass;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return help(io, USAGE, command === undefined ? EXIT.error : EXIT.pass);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}.`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`evals-gate: ${error.message}\nRun "evals-gate ${command === 'run' || command === 'export' ? `${command} ` : ''}--help" for the flags.\n`);
    return EXIT.error;
  }
}

function help(io: CliIO, text: string, code: number = EXIT.pass): number {
  (code === EXIT.pass ? io.stdout : io.stderr)(text);
  return code;
}
