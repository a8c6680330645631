// The action's process starts with every input and the runner's tokens in its environment, and the
// environment a process started with stays readable by every process of the same user
// (/proc/PID/environ), a python grader's included. So the first thing the action does is to replace
// its own image (process.execve: same pid, so the runner keeps waiting on it) with one whose
// environment holds none of them, handing them over through a file only this user can read, which the
// new image deletes as it starts. The same re-exec can add Node/V8 flags (`execArgv`).
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Names the hand-over file in the relaunched image (a path, not a secret). */
export const HANDOVER_VARIABLE = 'EVALS_GATE_HANDOVER';

/** Variables that never stay in the environment: tokens the runner gives every step, and the usual keys. */
const SECRET_VARIABLES = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'GITHUB_TOKEN',
  'GH_TOKEN',
]);

/**
 * Whether an environment variable may hold a secret: every input (`INPUT_*`: keys, tokens, headers,
 * a data source may hold them), the runner's tokens, and any name that says key, token, secret,
 * password or credential (a workflow's own `env:` secrets).
 */
export function isSecretVariable(name: string): boolean {
  return (
    name.startsWith('INPUT_') ||
    SECRET_VARIABLES.has(name) ||
    /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|SIGNATURE/i.test(name)
  );
}

export interface RelaunchOptions {
  /** Node/V8 flags for the new image, after the current ones, e.g. `--max-semi-space-size=64`. */
  execArgv?: readonly string[];
  /** Which variables to take out of the environment and hand over privately. Default isSecretVariable. */
  isSecret?: (name: string) => boolean;
  /** Where the private hand-over folder is made. Default /dev/shm (memory, never on disk) when it is there, else the OS temp folder. */
  handoverRoot?: string;
}

export type RelaunchOutcome =
  /** This is the new image: the handed-over variables are back in `process.env`, the file is gone. */
  | 'relaunched'
  /** Nothing to take out and no flags to add: the process goes on as it started. */
  | 'not-needed'
  /** The platform has no execve (Windows): the process goes on as it started. */
  | 'unavailable';

/**
 * In the first image, re-execs (and does not return). In the new image, reads the hand-over file,
 * deletes it, and puts its variables back into `process.env`, where the action's libraries read them:
 * a variable set there is not written into the environment the process started with, so
 * /proc/PID/environ never shows it (children get it only when given `process.env`, which the graders'
 * workers are not).
 */
export function relaunch(options: RelaunchOptions = {}): RelaunchOutcome {
  const handover = process.env[HANDOVER_VARIABLE];
  if (handover !== undefined) {
    delete process.env[HANDOVER_VARIABLE];
    Object.assign(process.env, receive(handover));
    return 'relaunched';
  }
  if (typeof process.execve !== 'function') return 'unavailable';
  const isSecret = options.isSecret ?? isSecretVariable;
  const secrets: Record<string, string> = {};
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (isSecret(name)) secrets[name] = value;
    else kept[name] = value;
  }
  const execArgv = options.execArgv ?? [];
  if (Object.keys(secrets).length === 0 && execArgv.length === 0) return 'not-needed';
  const file = send(secrets, options.handoverRoot ?? defaultRoot());
  const [, ...args] = process.argv;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...execArgv, ...args], { ...kept, [HANDOVER_VARIABLE]: file });
  } catch (error) {
    // execve(2) failed and this image goes on: the file must not outlive it.
    discard(file);
    throw error;
  }
  throw new Error('process.execve returned');
}

const FOLDER_PREFIX = 'evals-gate-';
const FILE_NAME = 'handover.json';

function defaultRoot(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // No /dev/shm (macOS): the temp folder.
  }
  return tmpdir();
}

/** A fresh folder only this user may enter (mkdtemp makes it 0700) and in it a file only this user may read. */
function send(secrets: Record<string, string>, root: string): string {
  const folder = mkdtempSync(join(root, FOLDER_PREFIX));
  const file = join(folder, FILE_NAME);
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * The handed-over variables. The file must be a regular file of this user that no one else may read
 * (not a link put there by someone else); it is deleted, with its folder, before anything else runs.
 */
function receive(file: string): Record<string, string> {
  if (basename(file) !== FILE_NAME || !basename(dirname(file)).startsWith(FOLDER_PREFIX)) {
    throw new Error(`${HANDOVER_VARIABLE} names ${JSON.stringify(file)}, which is not a hand-over file of this action.`);
  }
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stat = fstatSync(fd);
      const uid = process.getuid?.();
      if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
        throw new Error(`${file} is not a private file of this user`);
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new Error(`The action could not read its inputs after restarting without them in its environment: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    discard(file);
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('The hand-over of the inputs is not an object.');
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Deletes the hand-over file and its folder (only if empty: nothing else is ever removed). */
function discard(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
  try {
    rmdirSync(dirname(file));
  } catch {
    // Not empty or already gone: left alone.
  }
}
