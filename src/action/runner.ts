import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import { logText, terminalText } from '../report/plain-text.js';
import type { Log } from '../shared/log.js';

/**
 * The runner as the action's steps use it: log, outputs, state, the job summary and the step's status.
 * One interface so that the publishers and the gate's host can be tested in process with a recording one.
 */
export interface Runner extends Log {
  debug(line: string): void;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  saveState(name: string, value: string): void;
  /** Appends to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) it does nothing. */
  appendSummary(markdown: string): Promise<void>;
}

/**
 * The real runner, through @actions/core (workflow commands and the files the runner names). Log lines
 * carry untrusted text (eval and run names, statuses, server messages): no escape sequence reaches the
 * log, and a line that would read as a workflow command (`::add-mask::`, `::stop-commands::`) is
 * printed between stop-commands guards. Warnings and errors are workflow commands themselves, whose
 * message @actions/core escapes onto one line.
 */
export const actionsRunner: Runner = {
  info: (line) => core.info(logText(line, randomUUID)),
  debug: (line) => core.debug(terminalText(line)),
  warning: (line) => core.warning(terminalText(line)),
  setOutput: (name, value) => core.setOutput(name, value),
  setFailed: (message) => core.setFailed(terminalText(message)),
  saveState: (name, value) => core.saveState(name, value),
  appendSummary: async (markdown) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  },
};
