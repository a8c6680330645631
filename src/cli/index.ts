#!/usr/bin/env node
import { runCli } from './main.js';

// The CLI's entry: the same gate as the action, reporting to the terminal.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
});
