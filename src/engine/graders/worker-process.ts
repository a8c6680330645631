// A worker that runs repository code (a python grader) and everything it starts, ended as one. The
// worker leads its own process group, so that one kill(-pid) reaches the children it forks (a
// subprocess.Popen left running, a child that holds its stdout); a descendant that leaves the group with
// setsid() (a daemon) still carries the worker's mark in its environment, so on Linux it is found in
// /proc and ended too. The worker runs in a private temporary folder, removed once the group is gone.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable that marks a worker's processes, with a value unique to each worker. */
export const WORKER_MARK = 'EVALS_GATE_WORKER';

/** How long the worker's output may stay open once it has exited and its group was ended. */
const DRAIN_MS = 1_000;

/** Workers not yet ended: ended synchronously if the process exits without closing them. */
const live = new Set<WorkerProcess>();
let exitHookInstalled = false;

export interface WorkerProcessOptions {
  /** The environment, apart from the mark and TMPDIR, which are added. */
  env: Record<string, string>;
}

/** One worker: its pipes, and how it ended once it has and everything it started is gone. */
export class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The private folder the worker runs in (its cwd and TMPDIR). */
  readonly directory: string;
  /** How the worker ended (`exited with code 1`), once its group is ended and its folder removed. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: NodeJS.ErrnoException | undefined }>;
  readonly #mark: string;
  readonly #group: boolean;

  constructor(command: string, args: readonly string[], options: WorkerProcessOptions) {
    this.directory = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'evals-gate-worker-'));
    this.#mark = randomBytes(12).toString('hex');
    // Windows has no process groups to signal; there the worker alone is ended.
    this.#group = process.platform !== 'win32';
    const env: Record<string, string> = { ...options.env, [WORKER_MARK]: this.#mark, TMPDIR: this.directory };
    if (process.platform === 'win32') Object.assign(env, { TEMP: this.directory, TMP: this.directory });
    this.child = spawn(command, args, { cwd: this.directory, env, stdio: 'pipe', windowsHide: true, detached: this.#group });
    live.add(this);
    installExitHook();
    this.ended = this.#whenEnded();
  }

  /** Ends the worker and everything it started, at once (SIGKILL). Safe to call at any time, again and again. */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (this.#group) signal(-pid);
    else if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    killMarked(this.#mark);
  }

  async #whenEnded(): Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: NodeJS.ErrnoException | undefined }> {
    const { child } = this;
    const how = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: NodeJS.ErrnoException | undefined }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, spawnError: undefined }));
      child.on('error', (error: NodeJS.ErrnoException) => {
        // Only a failed spawn ends the process here; a failed kill() of a live one is not an ending.
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
      });
    });
    // What the worker started must not outlive it, nor keep its pipes open.
    this.kill();
    const drained = new Promise<void>((resolve) => {
      if (child.stdout.closed) resolve();
      else child.stdout.once('close', resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
    // A process that escaped both the group and the mark may still hold the pipes: they are let go.
    child.stdout.destroy();
    child.stderr.destroy();
    child.stdin.destroy();
    live.delete(this);
    rmSync(this.directory, { recursive: true, force: true, maxRetries: 3 });
    return how;
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left to end.
  }
}

/**
 * Ends every process of this user whose environment carries the mark: descendants that left the group
 * (setsid) but not the environment they inherited. Linux only (/proc); a few rounds, in case one forked
 * while the others were ended.
 */
function killMarked(mark: string): void {
  if (process.platform !== 'linux') return;
  const needle = Buffer.from(`${WORKER_MARK}=${mark}\0`);
  for (let round = 0; round < 3; round++) {
    let found = 0;
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      let environ: Buffer;
      try {
        environ = readFileSync(`/proc/${entry}/environ`);
      } catch {
        continue;
      }
      if (environ.includes(needle)) {
        signal(Number(entry));
        found++;
      }
    }
    if (found === 0) return;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // process.exit() (a signal, a fatal error) skips every close(): the groups are ended here, synchronously.
  process.once('exit', () => {
    for (const worker of live) {
      worker.kill();
      rmSync(worker.directory, { recursive: true, force: true });
    }
  });
}
