// The Evals API's `python` grader: `{type: "python", name, source, pass_threshold, image_tag?}`, where
// `source` defines `grade(sample, item) -> float`. One long-lived python3 worker per grader loads the
// source once and answers JSON-lines requests, because spawning python per item would cost ~30 ms each.
// Each worker leads its own process group in a private folder (worker-process.ts): whatever the source
// starts ends with the worker.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { TemplateScope } from '../template.js';
import { EvalDefinitionError } from '../definition-error.js';
import { GraderError, type Grader, type GraderOutcome } from './grader.js';
import { WorkerProcess } from './worker-process.js';

export interface PythonGraderOptions {
  /** `"<name>-<uuid>"`, as the API names testing criteria. */
  id: string;
  /** How long one grade() call, and loading the source, may take. Default 30 s. */
  timeoutMs?: number;
  /** The interpreter to run. Default `python3`, found on PATH. */
  python?: string;
  /** Where errors say the grader is, e.g. `testing_criteria[2] ("Exact")`. Default `python grader "NAME"`. */
  where?: string;
}

/** A python grader: `start()` launches its worker and checks the source before any item runs. */
export interface PythonGrader extends Grader {
  /** Loads the source in a worker. Throws an EvalDefinitionError when it cannot (no python, bad source). */
  start(): Promise<void>;
  /** Stops the worker (killed after a short grace). Items not yet graded fail. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 1_000;
const STDERR_KEPT = 4_096;
const STDERR_SHOWN = 1_000;
/** An answer line is a score or a short error: anything this long means the channel is broken. */
const MAX_PROTOCOL_LINE = 1_000_000;

/**
 * Validates the config now (an EvalDefinitionError names the grader) and returns a grader whose worker
 * starts on `start()`, or on the first `grade()` when nobody called `start()`.
 */
export function createPythonGrader(config: Record<string, unknown>, options: PythonGraderOptions): PythonGrader {
  const { name, source, passThreshold, where } = readConfig(config, options.where);
  return new PythonWorkerGrader(options.id, name, where, source, passThreshold, options);
}

interface PythonGraderConfig {
  name: string;
  where: string;
  source: string;
  passThreshold: number;
}

function readConfig(config: Record<string, unknown>, givenWhere: string | undefined): PythonGraderConfig {
  const name = config.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new EvalDefinitionError(givenWhere ?? 'python grader', 'name is missing: give the grader a non-empty name');
  }
  const where = givenWhere ?? `python grader "${name}"`;
  const source = config.source;
  if (source === undefined || source === null) {
    throw new EvalDefinitionError(where, 'source is missing: give the Python code that defines grade(sample, item)');
  }
  if (typeof source !== 'string') throw new EvalDefinitionError(where, `source must be a string of Python code, got ${describeValue(source)}`);
  if (source.trim() === '') throw new EvalDefinitionError(where, 'source is empty: give the Python code that defines grade(sample, item)');
  const passThreshold = config.pass_threshold;
  if (passThreshold === undefined || passThreshold === null) {
    throw new EvalDefinitionError(
      where,
      'pass_threshold is missing: the gate needs a pass rule (an item passes when grade() >= pass_threshold)',
    );
  }
  if (typeof passThreshold !== 'number' || !Number.isFinite(passThreshold)) {
    throw new EvalDefinitionError(where, `pass_threshold must be a number, got ${describeValue(passThreshold)}`);
  }
  // `image_tag` picks the hosted grader's container image; the local engine runs the python3 it finds,
  // so there is no image to pick and the field is ignored.
  return { name, where, source, passThreshold };
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${JSON.stringify(value) ?? String(value)} (${typeof value})`;
}

/** One item on its way through the worker. */
interface Job {
  readonly id: number;
  readonly line: string;
  /** Runs while the item is the one the worker is grading (the worker answers in order). */
  timer?: NodeJS.Timeout;
  settled: boolean;
  succeed(outcome: GraderOutcome): void;
  fail(error: Error): void;
}

class PythonWorkerGrader implements PythonGrader {
  readonly id: string;
  readonly name: string;
  readonly type = 'python';
  readonly #where: string;
  readonly #source: string;
  readonly #passThreshold: number;
  readonly #timeoutMs: number;
  readonly #python: string;
  /** The worker that takes requests, once its source has loaded. */
  #worker: PythonProcess | undefined;
  #starting: Promise<PythonProcess> | undefined;
  /** A start failure that a new worker would only repeat: later items fail at once with it. */
  #permanentFailure: WorkerStartError | undefined;
  /** Every process not yet known to be gone (including retired ones being killed): close waits for them. */
  readonly #processes = new Set<PythonProcess>();
  /** Jobs not yet sent to a worker. */
  #waiting: Job[] = [];
  /** Jobs sent to #worker, in the order it answers them: the first is the one being graded. */
  #running: Job[] = [];
  #nextId = 0;
  #closing: Promise<void> | undefined;

  constructor(id: string, name: string, where: string, source: string, passThreshold: number, options: PythonGraderOptions) {
    this.id = id;
    this.name = name;
    this.#where = where;
    this.#source = source;
    this.#passThreshold = passThreshold;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#python = options.python ?? 'python3';
  }

  async start(): Promise<void> {
    if (this.#closing) throw new EvalDefinitionError(this.#where, 'the grader was closed before it started');
    try {
      await this.#ensureWorker();
    } catch (error) {
      throw error instanceof WorkerStartError ? new EvalDefinitionError(this.#where, error.message) : error;
    }
  }

  grade(scope: Required<TemplateScope>, signal: AbortSignal): Promise<GraderOutcome> {
    if (this.#closing) return Promise.reject(new GraderError(`${this.#where} was closed`));
    if (signal.aborted) return Promise.reject(abortError(signal));
    let line: string;
    const id = this.#nextId++;
    try {
      line = JSON.stringify({ id, sample: scope.sample, item: scope.item });
    } catch (error) {
      return Promise.reject(new GraderError(`the item or sample cannot be sent to python as JSON: ${messageOf(error)}`));
    }
    return new Promise<GraderOutcome>((resolve, reject) => {
      const onAbort = () => {
        // A job already sent stays in #running so that answers keep matching the worker's order.
        this.#waiting = this.#waiting.filter((waiting) => waiting !== job);
        job.fail(abortError(signal));
      };
      const job: Job = {
        id,
        line,
        settled: false,
        succeed(outcome) {
          if (job.settled) return;
          job.settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        fail(error) {
          if (job.settled) return;
          job.settled = true;
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(job);
      this.#pump();
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    const closed = new GraderError(`${this.#where} was closed before this item was graded`);
    for (const job of [...this.#waiting.splice(0), ...this.#running.splice(0)]) {
      clearTimeout(job.timer);
      job.fail(closed);
    }
    this.#worker = undefined;
    await Promise.all([...this.#processes].map((process) => process.stop(CLOSE_GRACE_MS)));
  }

  #ensureWorker(): Promise<PythonProcess> {
    if (this.#worker) return Promise.resolve(this.#worker);
    if (this.#permanentFailure) return Promise.reject(this.#permanentFailure);
    this.#starting ??= this.#launch()
      .catch((error: unknown) => {
        if (error instanceof WorkerStartError && error.permanent) this.#permanentFailure = error;
        throw error;
      })
      .finally(() => {
        this.#starting = undefined;
      });
    return this.#starting;
  }

  async #launch(): Promise<PythonProcess> {
    const worker = new PythonProcess(this.#python);
    this.#processes.add(worker);
    void worker.exited.then((how) => {
      this.#processes.delete(worker);
      this.#onGone(worker, how);
    });
    await worker.load(this.#source, this.#timeoutMs);
    if (this.#closing) {
      worker.kill();
      throw new WorkerStartError(`${this.#where} was closed while it started`);
    }
    worker.onAnswer = (answer) => this.#onAnswer(worker, answer);
    this.#worker = worker;
    return worker;
  }

  /** Sends the waiting jobs to the worker, starting one first when there is none. */
  #pump(): void {
    if (this.#waiting.length === 0 || this.#closing) return;
    const worker = this.#worker;
    if (!worker) {
      this.#ensureWorker().then(
        () => this.#pump(),
        (error: unknown) => this.#failWaiting(error),
      );
      return;
    }
    for (const job of this.#waiting.splice(0)) {
      this.#running.push(job);
      worker.send(job.line);
    }
    this.#armHead();
  }

  #failWaiting(error: unknown): void {
    const failure = new GraderError(`${this.#where} could not start: ${messageOf(error)}`);
    for (const job of this.#waiting.splice(0)) job.fail(failure);
  }

  /** Starts the timeout of the job the worker is grading now. */
  #armHead(): void {
    const head = this.#running[0];
    if (!head || head.timer) return;
    head.timer = setTimeout(() => this.#onTimeout(head), this.#timeoutMs);
  }

  #takeRunning(answerId: unknown): Job | undefined {
    if (this.#running[0]?.id === answerId) return this.#running.shift();
    const index = this.#running.findIndex((job) => job.id === answerId);
    return index < 0 ? undefined : this.#running.splice(index, 1)[0];
  }

  #onAnswer(worker: PythonProcess, answer: Answer): void {
    if (worker !== this.#worker) return;
    const job = this.#takeRunning(answer.id);
    if (!job) return;
    clearTimeout(job.timer);
    if (typeof answer.score === 'number') {
      job.succeed({ score: answer.score, passed: answer.score >= this.#passThreshold });
    } else if (typeof answer.invalid === 'string') {
      // As the graders guide says: a result that is not a number scores 0. The item fails this grader
      // (whatever pass_threshold says: the grader gave no verdict) and keeps the others' results.
      job.succeed({ score: 0, passed: false, reason: `${answer.invalid}: scored 0` });
    } else {
      job.fail(new GraderError(typeof answer.error === 'string' ? answer.error : 'the python worker answered without a score or an error'));
    }
    this.#armHead();
  }

  #onTimeout(job: Job): void {
    const worker = this.#worker;
    if (!worker || this.#running[0] !== job) return;
    this.#running.shift();
    job.fail(new GraderError(`grade() did not return within ${formatSeconds(this.#timeoutMs)}`));
    // The worker is stuck in this job's grade(); the jobs queued behind it never reached grade(), so a
    // fresh worker grades them.
    this.#retire(worker);
    worker.kill();
    this.#pump();
  }

  /** A worker that ended on its own (a crash, `os._exit()` in user code, a broken protocol). */
  #onGone(worker: PythonProcess, how: string): void {
    if (worker !== this.#worker) return;
    const head = this.#running.shift();
    if (head) {
      clearTimeout(head.timer);
      head.fail(new GraderError(`the python worker ${how} while grade() ran${worker.stderrNote()}`));
    }
    // As on a timeout: only the job being graded is to blame, the others go to the next worker.
    this.#retire(worker);
    this.#pump();
  }

  /** Stops sending to `worker` and puts the jobs it still held, unsettled, back in front of the queue. */
  #retire(worker: PythonProcess): void {
    if (this.#worker === worker) this.#worker = undefined;
    const unanswered = this.#running.splice(0).filter((job) => {
      clearTimeout(job.timer);
      job.timer = undefined;
      return !job.settled;
    });
    this.#waiting.unshift(...unanswered);
  }
}

/** What the worker says about one request. */
interface Answer {
  id?: unknown;
  score?: unknown;
  /** Why grade()'s result is not a score (None, text, NaN): the item scores 0. */
  invalid?: unknown;
  error?: unknown;
}

/** A worker that could not load the source; `start()` turns it into an EvalDefinitionError. */
class WorkerStartError extends Error {
  /** The same source or interpreter fails the same way again (a syntax error, no python3). */
  readonly permanent: boolean;

  constructor(message: string, permanent = false) {
    super(message);
    this.name = 'WorkerStartError';
    this.permanent = permanent;
  }
}

/** One python process running WORKER_SCRIPT: a JSON-lines channel over its stdin and stdout. */
class PythonProcess {
  /** Receives the answers that follow the handshake. */
  onAnswer: (answer: Answer) => void = () => {};
  /** How the process ended ("exited with code 1"), once it has, everything it started is gone and its stdout is drained. */
  readonly exited: Promise<string>;
  readonly #python: string;
  readonly #worker: WorkerProcess;
  readonly #child: ChildProcessWithoutNullStreams;
  #spawnError: NodeJS.ErrnoException | undefined;
  #partialLine = '';
  #stderrTail = '';
  #brokenProtocol: string | undefined;
  #onFirstMessage: ((message: Record<string, unknown>) => void) | undefined;

  constructor(python: string) {
    this.#python = python;
    this.#worker = new WorkerProcess(python, ['-c', WORKER_SCRIPT], { env: workerEnvironment() });
    const child = (this.#child = this.#worker.child);
    this.exited = this.#worker.ended.then(({ code, signal, spawnError }) => {
      this.#spawnError = spawnError;
      if (this.#brokenProtocol) return `broke the protocol (${this.#brokenProtocol})`;
      if (spawnError) return `could not be started (${spawnError.message})`;
      return signal ? `was killed (${signal})` : `exited with code ${code}`;
    });
    // Writing to a worker that just died fails with EPIPE; its exit is reported through `exited`.
    child.stdin.on('error', () => {});
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.#onStdout(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_KEPT);
    });
  }

  /** Sends the source and waits for the worker to load it. Rejects with a WorkerStartError when it cannot. */
  load(source: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new WorkerStartError(`loading the source did not finish within ${formatSeconds(timeoutMs)}${this.stderrNote()}`));
      }, timeoutMs);
      this.#onFirstMessage = (message) => {
        clearTimeout(timer);
        if (message.ready === true) return resolve();
        const problem = typeof message.startError === 'string' ? message.startError : `unexpected first message ${JSON.stringify(message)}`;
        reject(new WorkerStartError(problem, typeof message.startError === 'string'));
      };
      void this.exited.then((how) => {
        clearTimeout(timer);
        reject(new WorkerStartError(this.#startFailure(how), this.#spawnError !== undefined));
      });
      this.send(JSON.stringify({ source }));
    });
  }

  send(line: string): void {
    if (this.#child.stdin.writable) this.#child.stdin.write(`${line}\n`);
  }

  /** Kills the worker and every process it started. */
  kill(): void {
    this.#worker.kill();
  }

  /** Ends the worker's input (it then exits by itself) and kills it if it is still there after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The end of what the worker wrote to stderr (user prints, tracebacks), for error messages. */
  stderrNote(): string {
    const tail = this.#stderrTail.trim();
    if (tail === '') return '';
    return `; its stderr ends with: ${tail.length > STDERR_SHOWN ? `…${tail.slice(-STDERR_SHOWN)}` : tail}`;
  }

  #startFailure(how: string): string {
    if (this.#spawnError) {
      const code = this.#spawnError.code ?? this.#spawnError.message;
      const problem = code === 'ENOENT' ? 'was not found' : 'could not be run';
      return `this grader needs python3 on PATH: "${this.#python}" ${problem} (${code})`;
    }
    return `python ${how} before the source was loaded${this.stderrNote()}`;
  }

  #onStdout(chunk: string): void {
    const lines = (this.#partialLine + chunk).split('\n');
    this.#partialLine = lines.pop() ?? '';
    if (this.#partialLine.length > MAX_PROTOCOL_LINE) this.#breakProtocol('an answer line longer than 1 MB');
    for (const line of lines) {
      if (line.trim() !== '') this.#onLine(line);
    }
  }

  #onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.#breakProtocol(`a line that is not a JSON object: ${line.slice(0, 200)}`);
      return;
    }
    const first = this.#onFirstMessage;
    if (first) {
      this.#onFirstMessage = undefined;
      first(message as Record<string, unknown>);
    } else {
      this.onAnswer(message as Answer);
    }
  }

  #breakProtocol(what: string): void {
    this.#brokenProtocol ??= `it wrote ${what}`;
    this.kill();
  }
}

/**
 * Only what finding and running python needs, so that user code never sees the job's secrets
 * (OPENAI_API_KEY, GITHUB_TOKEN, INPUT_*, ACTIONS_*); WorkerProcess adds TMPDIR (its private folder) and
 * its mark. Kept: PATH, HOME, LANG; LD_LIBRARY_PATH, which
 * actions/setup-python sets for its interpreters' shared library; PYENV_ROOT and PYENV_VERSION for pyenv
 * shims; and SYSTEMROOT on Windows, without which python cannot start there.
 */
function workerEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept = ['PATH', 'HOME', 'LANG', 'LD_LIBRARY_PATH', 'PYENV_ROOT', 'PYENV_VERSION'];
  if (process.platform === 'win32') kept.push('SYSTEMROOT');
  const environment: Record<string, string> = {};
  for (const name of kept) {
    const value = source[name];
    if (value !== undefined) environment[name] = value;
  }
  environment.PYTHONIOENCODING = 'utf-8';
  environment.PYTHONDONTWRITEBYTECODE = '1';
  return environment;
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function abortError(signal: AbortSignal): Error {
  const error = new Error(signal.reason instanceof Error ? signal.reason.message : 'Aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * The worker, run with `python3 -c`. The first request line carries the source; the worker answers
 * `{"ready": true}` or `{"startError": "…"}`, then one `{"id", "score"}`, `{"id", "invalid"}` or
 * `{"id", "error"}` line per `{"id", "sample", "item"}` request, in order. The protocol keeps private copies of fds 0 and 1 (not
 * inherited by subprocesses); user code gets /dev/null as stdin and stderr as stdout, so its print()
 * and input() cannot corrupt or steal protocol lines. A bool score counts as 1 or 0 (bool is an int in
 * Python, and `return output == expected` is the natural grade); None, strings, NaN and infinities are
 * `invalid` (scored 0); an exception is an error. Lines split on "\n" only, so U+2028 inside a JSON string stays in its line.
 */
const WORKER_SCRIPT = String.raw`
import json, math, numbers, os, sys, traceback

SOURCE_NAME = '<grader>'
MAX_TEXT = 2000

def protocol_channels():
    requests = os.fdopen(os.dup(0), 'r', encoding='utf-8', newline='\n')
    answers = os.fdopen(os.dup(1), 'w', encoding='utf-8', newline='\n')
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return requests, answers

def shorten(text):
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + '...'

def safe_repr(value):
    try:
        return shorten(repr(value))
    except BaseException:
        return 'an unprintable ' + type(value).__name__

def source_line(error):
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == SOURCE_NAME]
    return ' (line %d)' % lines[-1] if lines else ''

def describe(error):
    try:
        text = str(error)
    except BaseException:
        text = ''
    return shorten(type(error).__name__ + (': ' + text if text else '')) + source_line(error)

def describe_syntax(error):
    where = ' (line %d)' % error.lineno if error.lineno else ''
    return shorten('%s: %s' % (type(error).__name__, error.msg)) + where

def as_score(value):
    if isinstance(value, numbers.Real):
        try:
            score = float(value)
        except Exception:
            score = math.nan
        if math.isfinite(score):
            return {'score': score}
        return {'invalid': 'grade() returned %s, not a finite number' % safe_repr(value)}
    return {'invalid': 'grade() returned %s (%s), not a number' % (safe_repr(value), type(value).__name__)}

def load(source):
    try:
        code = compile(source, SOURCE_NAME, 'exec')
    except SyntaxError as error:
        return None, 'the source does not compile: ' + describe_syntax(error)
    except ValueError as error:
        return None, 'the source does not compile: ' + describe(error)
    namespace = {'__name__': '__grader__'}
    try:
        exec(code, namespace)
    except BaseException as error:
        return None, 'loading the source raised ' + describe(error)
    grade = namespace.get('grade')
    if grade is None:
        return None, 'the source defines no grade(sample, item) function'
    if not callable(grade):
        return None, 'grade is a %s, not a function' % type(grade).__name__
    return grade, None

def main():
    requests, answers = protocol_channels()
    def answer(message):
        answers.write(json.dumps(message) + '\n')
        answers.flush()
    grade, problem = load(json.loads(requests.readline())['source'])
    if problem:
        answer({'startError': problem})
        return
    answer({'ready': True})
    for line in requests:
        request = json.loads(line)
        try:
            result = as_score(grade(request['sample'], request['item']))
        except BaseException as error:
            result = {'error': 'grade() raised ' + describe(error)}
        result['id'] = request['id']
        answer(result)

main()
`;
