// What a python grader's code starts ends with its worker: real python3 graders that fork a child
// holding the protocol pipe, leave a subprocess.Popen running, or daemonise a grandchild out of the
// worker's process group; after close(), a timeout, a crash, a completed or a cancelled run, none of
// those processes is left and nothing held the caller. The worker runs in a private folder, not the
// caller's working directory, removed afterwards.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEvalDefinition } from '../../../src/engine/definition.ts';
import { GraderError } from '../../../src/engine/graders/grader.ts';
import { createPythonGrader, type PythonGrader } from '../../../src/engine/graders/python-grader.ts';
import { LocalEngine } from '../../../src/engine/local-engine.ts';
import { useClosers } from '../../support/closers.ts';
import { isAlive, pidsIn, pythonRecordPid } from '../../support/processes.ts';
import { expectRejection } from '../../support/rejection.ts';

const track = useClosers();
const noAbort = new AbortController().signal;

let directory: string;
let pidFile: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'python-processes-'));
  pidFile = join(directory, 'pids.txt');
});

afterEach(() => {
  // Whatever a failed test left running must not outlive it.
  for (const pid of pidsIn(pidFile)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  rmSync(directory, { recursive: true, force: true });
});

function python(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function graderFor(source: string, timeoutMs?: number): PythonGrader {
  const grader = createPythonGrader({ type: 'python', name: 'Forks', source, pass_threshold: 0 }, { id: 'forks-1', timeoutMs });
  track(() => grader.close());
  return grader;
}

const scope = (item: Record<string, unknown> = {}) => ({ item, sample: { output_text: '' } });

/** Sources whose grade() starts a process that would sleep for a minute, recording its pid first. */
const FORKS = {
  // A forked child inherits every descriptor, the protocol's private copy of stdout included.
  childHoldingThePipe: python(
    'import os, time',
    'def grade(sample, item):',
    '    if os.fork() == 0:',
    pythonRecordPid('PIDS', '        '),
    '        time.sleep(60)',
    '        os._exit(0)',
    '    return os.getpid()',
  ),
  popenWithInheritedPipes: python(
    'import os, subprocess, sys',
    'def grade(sample, item):',
    "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], stdout=sys.stdout, stderr=sys.stderr)",
    "    with open(PIDS, 'a') as pids: pids.write('%d\\n' % child.pid)",
    '    return os.getpid()',
  ),
  // The classic daemon: fork, setsid (out of the worker's process group and session), fork again.
  daemonisedGrandchild: python(
    'import os, time',
    'def grade(sample, item):',
    '    if os.fork() == 0:',
    '        os.setsid()',
    '        if os.fork() == 0:',
    pythonRecordPid('PIDS', '            '),
    '            time.sleep(60)',
    '        os._exit(0)',
    '    os.wait()',
    '    return os.getpid()',
  ),
};

function withPidFile(source: string): string {
  return `PIDS = ${JSON.stringify(pidFile)}\n${source}`;
}

/** The process group of a live process (Linux), from /proc. */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** The pid the grader's child recorded; it sleeps for a minute, so it is alive unless it was ended. */
async function startedPid({ alive = true } = {}): Promise<number> {
  await vi.waitFor(() => expect(pidsIn(pidFile)).toHaveLength(1), { timeout: 10_000 });
  const [pid] = pidsIn(pidFile);
  if (alive) expect(isAlive(pid!)).toBe(true);
  return pid!;
}

describe('processes a python grader starts', () => {
  for (const [name, source] of Object.entries(FORKS)) {
    it(`ends them on close() without waiting for them: ${name}`, async () => {
      const grader = graderFor(withPidFile(source));
      const { score: workerPid } = await grader.grade(scope(), noAbort);
      const pid = await startedPid();
      if (name === 'daemonisedGrandchild' && process.platform === 'linux') expect(processGroup(pid)).not.toBe(workerPid);
      const started = Date.now();
      await grader.close();
      // The child sleeps for 60 s: close() did not wait for it (nor for the pipe it holds).
      expect(Date.now() - started).toBeLessThan(10_000);
      await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 5_000 });
      expect(isAlive(workerPid)).toBe(false);
    });
  }

  it('ends them when grade() times out, and grades on with a new worker', async () => {
    const grader = graderFor(withPidFile(python(FORKS.childHoldingThePipe.replace('    return os.getpid()', "    while item.get('hang'): time.sleep(0.01)\n    return os.getpid()"))), 3_000);
    const hung = expectRejection(grader.grade(scope({ hang: true }), noAbort), GraderError);
    const pid = await startedPid();
    expect((await hung).message).toBe('grade() did not return within 3 s');
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 5_000 });
    const next = await grader.grade(scope(), noAbort);
    expect(next.passed).toBe(true);
  });

  it('ends them when the worker crashes', async () => {
    const grader = graderFor(withPidFile(python(FORKS.childHoldingThePipe.replace('    return os.getpid()', '    time.sleep(0.2)\n    os._exit(3)'))));
    const error = await expectRejection(grader.grade(scope(), noAbort), GraderError);
    expect(error.message).toContain('the python worker exited with code 3 while grade() ran');
    const [pid] = pidsIn(pidFile);
    expect(pid).toBeDefined();
    await vi.waitFor(() => expect(isAlive(pid!)).toBe(false), { timeout: 5_000 });
  });

  it('runs the worker in a private temporary folder, removed after close()', async () => {
    const report = join(directory, 'where.json');
    const grader = graderFor(
      python(
        'import json, os, tempfile',
        'def grade(sample, item):',
        "    found = {'cwd': os.getcwd(), 'tmpdir': tempfile.gettempdir(), 'files': os.listdir('.')}",
        "    open('left-behind.txt', 'w').write('x')",
        `    with open(${JSON.stringify(report)}, 'w') as out: json.dump(found, out)`,
        '    return 1',
      ),
    );
    await grader.grade(scope(), noAbort);
    const where = JSON.parse(readFileSync(report, 'utf8')) as { cwd: string; tmpdir: string; files: string[] };
    expect(where.cwd).not.toBe(process.cwd());
    expect(where.cwd.startsWith(process.env.RUNNER_TEMP || tmpdir())).toBe(true);
    expect(where.tmpdir).toBe(where.cwd);
    expect(where.files).toEqual([]);
    expect(existsSync(join(where.cwd, 'left-behind.txt'))).toBe(true);
    await grader.close();
    expect(existsSync(where.cwd)).toBe(false);
  });
});

describe('processes a python grader starts, in a local engine run', () => {
  const EVAL = (source: string) =>
    parseEvalDefinition(
      JSON.stringify({
        name: 'Forking grader',
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { hang: { type: 'boolean' } } } },
        testing_criteria: [{ type: 'python', name: 'Forks', pass_threshold: 0, source }],
      }),
      'forks.eval.json',
    );

  function engineWith(source: string): LocalEngine {
    const engine = new LocalEngine({ concurrency: 2, models: () => expect.fail('no model endpoint') });
    track(() => engine.close());
    engine.addEval(EVAL(withPidFile(source)), 'eval_forks');
    return engine;
  }

  const rows = (items: Record<string, unknown>[]) => ({ type: 'jsonl', source: { type: 'file_content', content: items.map((item) => ({ item })) } });

  it('ends them when the run completes', async () => {
    const engine = engineWith(FORKS.daemonisedGrandchild);
    const run = await engine.createRun('eval_forks', { data_source: rows([{}]) });
    await vi.waitFor(() => expect(engine.getRun('eval_forks', String(run.id)).status).toBe('completed'), { timeout: 10_000 });
    // The run's end may already have ended it.
    const pid = await startedPid({ alive: false });
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 5_000 });
  });

  it('ends them when the run is cancelled, and when the engine closes', async () => {
    const hanging = FORKS.popenWithInheritedPipes.replace('    return os.getpid()', "    while item.get('hang'): __import__('time').sleep(0.01)\n    return os.getpid()");
    const engine = engineWith(hanging);
    const run = await engine.createRun('eval_forks', { data_source: rows([{ hang: true }]) });
    const first = await startedPid();
    engine.cancelRun('eval_forks', String(run.id));
    await vi.waitFor(() => expect(isAlive(first)).toBe(false), { timeout: 5_000 });

    rmSync(pidFile, { force: true });
    await engine.createRun('eval_forks', { data_source: rows([{ hang: true }]) });
    const second = await startedPid();
    await engine.close();
    await vi.waitFor(() => expect(isAlive(second)).toBe(false), { timeout: 2_000 });
  });
});
