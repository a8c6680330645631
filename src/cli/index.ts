#!/usr/bin/env node
import { missingNodeFlags, NODE_FLAGS } from '../shared/node-flags.js';
import { relaunch } from '../shared/relaunch.js';

// The CLI's entry: the same gate as the action, reporting to the terminal. Node's flags take effect
// only when Node starts, so `run` first replaces itself with a process started with them (unless they
// are given already), before any of the CLI is loaded; the environment stays as it is (the user's own
// shell can read it anyway). Help and export are too short to gain from it.
if (process.argv[2] === 'run') {
  try {
    relaunch({ execArgv: missingNodeFlags(NODE_FLAGS), isSecret: () => false });
  } catch {
    // Not replaced (the binary cannot be run again, say): the CLI goes on as it was started.
  }
}
const { runCli } = await import(/* webpackMode: "eager" */ './main.js');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
});
