// The runner's environment for the action's steps run in process (test/integration/action/main.test.ts,
// post.test.ts): @actions/core reads inputs from INPUT_*, state from STATE_*, and writes to the files
// GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY name. Everything set is put back after each test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, vi } from 'vitest';
import { inputEnvName, parseFileCommand } from '../harness/runner.ts';
import { ACTION_DEFAULTS } from './gate-setup.ts';

export interface ActionEnv {
  /** The job's folder: the workspace, RUNNER_TEMP and the runner's files. */
  dir: string;
  /** Sets every declared input (action.yml's default unless given; `${{ … }}` defaults empty) and `env`. */
  set(inputs: Record<string, string>, env?: Record<string, string>): void;
  /** What the step wrote to GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY. */
  files(): { outputs: Record<string, string>; state: Record<string, string>; summary: string };
  /** What the step wrote to stdout (workflow commands such as ::add-mask::), captured while `run` runs. */
  capture<T>(run: () => Promise<T>): Promise<{ value: T; stdout: string }>;
}

/**
 * Call at the top level of a test file. Each test gets a fresh folder and an environment with no
 * INPUT_*, STATE_*, OPENAI_* or GITHUB_* variable of the host; the process's environment and exit
 * code are restored after it.
 */
export function useActionEnv(): () => ActionEnv {
  const snapshots: Array<() => void> = [];
  afterEach(() => {
    // Newest first: each snapshot holds the environment the one before it made.
    for (const restore of snapshots.splice(0).reverse()) restore();
  });
  return () => {
    const saved = { ...process.env };
    const exitCode = process.exitCode;
    const dir = mkdtempSync(join(tmpdir(), 'action-env-'));
    snapshots.push(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      process.exitCode = exitCode;
      rmSync(dir, { recursive: true, force: true });
    });
    for (const key of Object.keys(process.env)) {
      if (/^(INPUT_|STATE_|OPENAI_|GITHUB_|RUNNER_|AZURE_)/.test(key)) delete process.env[key];
    }
    for (const file of ['output', 'state', 'summary']) writeFileSync(join(dir, file), '');
    Object.assign(process.env, {
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    });
    return {
      dir,
      set(inputs, env = {}) {
        for (const name of Object.keys(inputs)) {
          if (!(name in ACTION_DEFAULTS)) throw new Error(`input "${name}" is not declared in action.yml`);
        }
        for (const [name, fallback] of Object.entries(ACTION_DEFAULTS)) {
          process.env[inputEnvName(name)] = inputs[name] ?? (fallback.includes('${{') ? '' : fallback);
        }
        Object.assign(process.env, env);
      },
      files() {
        const read = (file: string) => readFileSync(join(dir, file), 'utf8');
        return { outputs: parseFileCommand(read('output')), state: parseFileCommand(read('state')), summary: read('summary') };
      },
      async capture(run) {
        let stdout = '';
        const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
          stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
          return true;
        });
        try {
          return { value: await run(), stdout };
        } finally {
          spy.mockRestore();
        }
      },
    };
  };
}
