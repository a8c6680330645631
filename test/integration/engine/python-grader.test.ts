// The python grader with a real python3 worker: scores against pass_threshold, the item and sample as
// python sees them, a protocol that survives user prints, errors found by start() before any item
// runs, per-item errors, timeouts and crashes that the next items survive, concurrency, and no process
// or secret left behind.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { GraderError } from '../../../src/engine/graders/grader.ts';
import { createPythonGrader, type PythonGrader, type PythonGraderOptions } from '../../../src/engine/graders/python-grader.ts';
import { useClosers } from '../../support/closers.ts';
import { expectRejection, rejection } from '../../support/rejection.ts';

const track = useClosers();

const NAME = 'Length check';

/** A started-on-demand grader closed after the test. */
function graderFor(source: string, options: Partial<PythonGraderOptions> = {}, passThreshold = 0.5): PythonGrader {
  const grader = createPythonGrader(
    { type: 'python', name: NAME, source, pass_threshold: passThreshold },
    { id: `length-check-1234`, ...options },
  );
  track(() => grader.close());
  return grader;
}

function scope(item: Record<string, unknown>, sample: Record<string, unknown> | null = { output_text: '' }) {
  return { item, sample };
}

const noAbort = new AbortController().signal;

/** Python code from lines, so that line numbers in the tests are easy to read. */
function python(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns the worker's pid as the score (pass_threshold 0 passes it): shows which worker graded. */
const PID_SOURCE = python(
  'import os, time',
  'def grade(sample, item):',
  "    if item.get('hang'):",
  '        while True:',
  '            time.sleep(0.01)',
  "    if item.get('crash'):",
  "        print('about to crash', file=__import__('sys').stderr)",
  '        os._exit(3)',
  '    return os.getpid()',
);

describe('python grader config', () => {
  const build = (config: Record<string, unknown>) => () => createPythonGrader({ type: 'python', name: NAME, ...config }, { id: 'x' });

  it('needs a non-empty source', () => {
    expect(build({ pass_threshold: 1 })).toThrow(EvalDefinitionError);
    expect(build({ pass_threshold: 1 })).toThrow('python grader "Length check": source is missing');
    expect(build({ source: '  \n', pass_threshold: 1 })).toThrow('source is empty');
    expect(build({ source: 42, pass_threshold: 1 })).toThrow('source must be a string');
  });

  it('needs a numeric pass_threshold, since the gate needs a pass rule', () => {
    expect(build({ source: 'def grade(s, i): return 1' })).toThrow('pass_threshold is missing: the gate needs a pass rule');
    expect(build({ source: 'def grade(s, i): return 1', pass_threshold: '0.5' })).toThrow(
      'python grader "Length check": pass_threshold must be a number, got "0.5"',
    );
  });

  it('names the criterion as the caller locates it', () => {
    const at = 'testing_criteria[3] ("Length check")';
    expect(() => createPythonGrader({ type: 'python', name: NAME, source: 'x = 1' }, { id: 'x', where: at })).toThrow(
      `${at}: pass_threshold is missing`,
    );
  });

  it('ignores image_tag and starts nothing at construction', async () => {
    const grader = createPythonGrader(
      { type: 'python', name: NAME, source: 'def grade(s, i): return 1', pass_threshold: 1, image_tag: '2025-05-08' },
      { id: 'length-check-1', python: '/nonexistent/python3' },
    );
    expect(grader).toMatchObject({ id: 'length-check-1', name: NAME, type: 'python' });
    await grader.close();
  });
});

describe('python grader', () => {
  it('passes an item whose score reaches pass_threshold and fails one below it', async () => {
    const grader = graderFor(python('def grade(sample, item):', "    return len(sample['output_text']) / 10"));
    await grader.start();
    await expect(grader.grade(scope({}, { output_text: 'abcdefgh' }), noAbort)).resolves.toEqual({ score: 0.8, passed: true });
    await expect(grader.grade(scope({}, { output_text: 'abcde' }), noAbort)).resolves.toEqual({ score: 0.5, passed: true });
    await expect(grader.grade(scope({}, { output_text: 'ab' }), noAbort)).resolves.toEqual({ score: 0.2, passed: false });
  });

  it('counts a bool as 1 or 0 and an int as a number', async () => {
    const grader = graderFor(python('def grade(sample, item):', "    return item['value']"));
    await expect(grader.grade(scope({ value: true }), noAbort)).resolves.toEqual({ score: 1, passed: true });
    await expect(grader.grade(scope({ value: false }), noAbort)).resolves.toEqual({ score: 0, passed: false });
    await expect(grader.grade(scope({ value: 3 }), noAbort)).resolves.toEqual({ score: 3, passed: true });
  });

  it('hands grade() the sample and item intact: nested, unicode, null', async () => {
    const item = {
      question: 'naïve café? 日本語 🚀',
      nested: { list: [1, 2.5, null, true, { deep: ['a\nb', 'tab\there', 'quote " and \\ backslash'] }] },
      separators: 'line\u2028separator\u2029paragraph',
      lone: '\ud800',
      empty: {},
    };
    const sample = { output_text: 'Ответ: 42', choices: [{ message: { role: 'assistant', content: '🙂' } }] };
    const expected = JSON.stringify(JSON.stringify([sample, item]));
    const grader = graderFor(
      python(
        'import json',
        `EXPECTED = json.loads(${expected})`,
        'def grade(sample, item):',
        '    if [sample, item] != EXPECTED:',
        "        raise ValueError('got %r' % ([sample, item],))",
        "    return 1.0 if sample is not None else 0.25",
      ),
    );
    await expect(grader.grade(scope(item, sample), noAbort)).resolves.toEqual({ score: 1, passed: true });

    const noSample = graderFor(python('def grade(sample, item):', '    return 1.0 if sample is None else 0.0'));
    await expect(noSample.grade(scope({ a: 1 }, null), noAbort)).resolves.toEqual({ score: 1, passed: true });
  });

  it('keeps the protocol when user code prints to stdout or reads stdin', async () => {
    const grader = graderFor(
      python(
        'import os, sys',
        "print('loading the grader')",
        'def grade(sample, item):',
        "    print('{\"id\": 0, \"score\": 99}')",
        "    print('x' * 100000)",
        "    sys.stdout.write('no newline')",
        "    os.write(1, b'raw fd write\\n')",
        '    try:',
        '        input()',
        '    except EOFError:',
        '        pass',
        "    return item['n'] / 10",
      ),
    );
    await grader.start();
    const outcomes = await Promise.all([1, 7, 3].map((n) => grader.grade(scope({ n }), noAbort)));
    expect(outcomes.map((outcome) => outcome.score)).toEqual([0.1, 0.7, 0.3]);
  });

  it('reports an exception in grade() with its type, message and line', async () => {
    const grader = graderFor(python('def grade(sample, item):', '    ratio = 1', "    return ratio / item['zero']"));
    const error = await expectRejection(grader.grade(scope({ zero: 0 }), noAbort), GraderError);
    expect(error.message).toBe('grade() raised ZeroDivisionError: division by zero (line 3)');

    const missing = await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    expect(missing.message).toBe("grade() raised KeyError: 'zero' (line 3)");
    await expect(grader.grade(scope({ zero: 4 }), noAbort)).resolves.toEqual({ score: 0.25, passed: false });
  });

  it('scores 0 a result that is not a finite number, failing the item whatever pass_threshold says, with the reason kept', async () => {
    const grader = graderFor(
      python('def grade(sample, item):', "    return {'none': None, 'text': '0.5', 'nan': float('nan'), 'inf': float('inf'), 'list': [1]}[item['kind']]"),
      {},
      0,
    );
    const outcome = (kind: string) => grader.grade(scope({ kind }), noAbort);
    await expect(outcome('none')).resolves.toEqual({ score: 0, passed: false, reason: 'grade() returned None (NoneType), not a number: scored 0' });
    await expect(outcome('text')).resolves.toEqual({ score: 0, passed: false, reason: "grade() returned '0.5' (str), not a number: scored 0" });
    await expect(outcome('nan')).resolves.toEqual({ score: 0, passed: false, reason: 'grade() returned nan, not a finite number: scored 0' });
    await expect(outcome('inf')).resolves.toEqual({ score: 0, passed: false, reason: 'grade() returned inf, not a finite number: scored 0' });
    await expect(outcome('list')).resolves.toEqual({ score: 0, passed: false, reason: 'grade() returned [1] (list), not a number: scored 0' });
    // An exception is still an error of the item.
    expect((await expectRejection(outcome('missing'), GraderError)).message).toBe("grade() raised KeyError: 'missing' (line 2)");
  });

  it('finds a syntax error at start(), naming the grader and the line', async () => {
    const grader = graderFor(python('def grade(sample, item):', '    x = 1', '    return x +', ''));
    const error = await expectRejection(grader.start(), EvalDefinitionError);
    expect(error.where).toBe('python grader "Length check"');
    // The wording after "SyntaxError:" varies between Python versions ("invalid syntax" on 3.11).
    expect(error.message).toMatch(/^python grader "Length check": the source does not compile: SyntaxError: [^\n]+ \(line 3\)$/);
  });

  it('finds at start() a source that defines no grade(), a grade that is not a function, or fails to load', async () => {
    const noGrade = await expectRejection(graderFor('def score(sample, item):\n    return 1\n').start(), EvalDefinitionError);
    expect(noGrade.message).toContain('the source defines no grade(sample, item) function');

    const notCallable = await expectRejection(graderFor('grade = 5\n').start(), EvalDefinitionError);
    expect(notCallable.message).toContain('grade is a int, not a function');

    const importError = await expectRejection(graderFor('import no_such_module_here\n').start(), EvalDefinitionError);
    expect(importError.message).toContain("loading the source raised ModuleNotFoundError: No module named 'no_such_module_here' (line 1)");
  });

  it('fails every item with the start error when grade() is called without start(), loading the source once', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'python-grader-'));
    track(() => rm(directory, { recursive: true, force: true }));
    const log = join(directory, 'loads.txt');
    const grader = graderFor(python(`open(${JSON.stringify(log)}, 'a').write('loaded\\n')`, "raise RuntimeError('no model file')"));
    const error = await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    expect(error.message).toBe('python grader "Length check" could not start: loading the source raised RuntimeError: no model file (line 2)');
    const again = await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    expect(again.message).toBe(error.message);
    expect((await expectRejection(grader.start(), EvalDefinitionError)).message).toContain('RuntimeError: no model file');
    expect(await readFile(log, 'utf8')).toBe('loaded\n');
  });

  it('times out a grade() that does not return, kills that worker and grades the next items on a new one', async () => {
    // 2 s, not less: the fresh worker that grades the queued item must start python within it on a busy machine.
    const grader = graderFor(PID_SOURCE, { timeoutMs: 2000 }, 0);
    const first = await grader.grade(scope({}), noAbort);
    const hung = grader.grade(scope({ hang: true }), noAbort);
    const queued = grader.grade(scope({}), noAbort);
    const error = await expectRejection(hung, GraderError);
    expect(error.message).toBe('grade() did not return within 2 s');
    // The item queued behind the stuck one never reached grade(): a fresh worker grades it.
    const retried = await queued;
    expect(retried.score).not.toBe(first.score);
    await vi.waitFor(() => expect(isRunning(first.score)).toBe(false));
    await expect(grader.grade(scope({}), noAbort)).resolves.toEqual({ score: retried.score, passed: true });
  });

  it('fails the item whose grade() crashed the worker, with its stderr, and carries on with the rest', async () => {
    const grader = graderFor(PID_SOURCE, {}, 0);
    const first = await grader.grade(scope({}), noAbort);
    const crashing = grader.grade(scope({ crash: true }), noAbort);
    const queued = grader.grade(scope({}), noAbort);
    const error = await expectRejection(crashing, GraderError);
    expect(error.message).toMatch(/^the python worker exited with code 3 while grade\(\) ran; its stderr ends with: .*about to crash$/s);
    const retried = await queued;
    expect(retried.score).not.toBe(first.score);
    expect(isRunning(first.score)).toBe(false);
    await expect(grader.grade(scope({}), noAbort)).resolves.toEqual({ score: retried.score, passed: true });
  });

  it('keeps only the end of a flood of stderr for the error message', async () => {
    const grader = graderFor(
      python('import os, sys', 'def grade(sample, item):', "    sys.stderr.write('noise ' * 2000000)", "    sys.stderr.write('THE END')", '    sys.stderr.flush()', '    os._exit(1)'),
    );
    const error = await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    expect(error.message).toMatch(/THE END$/);
    expect(error.message.length).toBeLessThan(1200);
  });

  it('answers 50 concurrent items, each with its own score', async () => {
    const grader = graderFor(python('import random, time', 'def grade(sample, item):', '    time.sleep(random.random() / 1000)', "    return item['n'] / 100"));
    await grader.start();
    const numbers = Array.from({ length: 50 }, (_, n) => n);
    const outcomes = await Promise.all(numbers.map((n) => grader.grade(scope({ n }), noAbort)));
    expect(outcomes).toEqual(numbers.map((n) => ({ score: n / 100, passed: n / 100 >= 0.5 })));
  });

  it('rejects an aborted item and still answers the others', async () => {
    const grader = graderFor(python('import time', 'def grade(sample, item):', "    time.sleep(item['sleep'])", '    return 1'));
    const aborted = new AbortController();
    aborted.abort(new Error('run cancelled'));
    expect(await rejection(grader.grade(scope({ sleep: 0 }), aborted.signal))).toMatchObject({ name: 'AbortError', message: 'run cancelled' });

    const controller = new AbortController();
    const slow = grader.grade(scope({ sleep: 0.2 }), noAbort);
    const abortedLater = grader.grade(scope({ sleep: 0 }), controller.signal);
    const after = grader.grade(scope({ sleep: 0 }), noAbort);
    controller.abort();
    expect(await rejection(abortedLater)).toMatchObject({ name: 'AbortError' });
    await expect(slow).resolves.toEqual({ score: 1, passed: true });
    await expect(after).resolves.toEqual({ score: 1, passed: true });
  });

  it('leaves no process behind after close(), even one stuck in grade(), and is idempotent', async () => {
    const grader = graderFor(PID_SOURCE, {}, 0);
    const { score: pid } = await grader.grade(scope({}), noAbort);
    expect(isRunning(pid)).toBe(true);
    const stuck = expectRejection(grader.grade(scope({ hang: true }), noAbort), GraderError);
    await Promise.all([grader.close(), grader.close()]);
    expect(isRunning(pid)).toBe(false);
    expect((await stuck).message).toContain('was closed before this item was graded');
    await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    await grader.close();
  });

  it('ends an idle worker on close() without waiting for the kill', async () => {
    const grader = graderFor(PID_SOURCE, {}, 0);
    const { score: pid } = await grader.grade(scope({}), noAbort);
    await grader.close();
    expect(isRunning(pid)).toBe(false);
  });

  it('says that python3 is needed when the interpreter cannot be found', async () => {
    const grader = graderFor('def grade(sample, item):\n    return 1\n', { python: '/nonexistent/bin/python3' });
    const error = await expectRejection(grader.start(), EvalDefinitionError);
    expect(error.message).toBe('python grader "Length check": this grader needs python3 on PATH: "/nonexistent/bin/python3" was not found (ENOENT)');
    const itemError = await expectRejection(grader.grade(scope({}), noAbort), GraderError);
    expect(itemError.message).toContain('needs python3 on PATH');
  });

  describe('environment', () => {
    const planted = ['EVALS_GATE_TEST_SECRET', 'OPENAI_API_KEY', 'GITHUB_TOKEN', 'INPUT_API-KEY', 'ACTIONS_RUNTIME_TOKEN'];
    const saved = new Map(planted.map((name) => [name, process.env[name]]));
    afterEach(() => {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('gives the worker a minimal environment without the job secrets', async () => {
      for (const name of planted) process.env[name] = 'do-not-leak';
      const report = join(await mkdtemp(join(tmpdir(), 'python-env-')), 'env.json');
      track(() => rm(dirname(report), { recursive: true, force: true }));
      // The interpreter itself, not a wrapper (a pyenv shim sets variables of its own).
      const interpreter = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
      const grader = graderFor(
        python(
          'import json, os',
          'def grade(sample, item):',
          `    with open(${JSON.stringify(report)}, 'w') as out: json.dump(dict(os.environ), out)`,
          '    return 1',
        ),
        { python: interpreter },
      );
      await expect(grader.grade(scope({}), noAbort)).resolves.toEqual({ score: 1, passed: true });
      const environment = JSON.parse(await readFile(report, 'utf8')) as Record<string, string>;
      const allowed = ['PATH', 'HOME', 'LANG', 'LD_LIBRARY_PATH', 'PYENV_ROOT', 'PYENV_VERSION', 'PYTHONIOENCODING', 'PYTHONDONTWRITEBYTECODE', 'TMPDIR', 'EVALS_GATE_WORKER'];
      // python itself may add LC_CTYPE (PEP 538) when the locale is C.
      expect(Object.keys(environment).filter((name) => !allowed.includes(name) && name !== 'LC_CTYPE')).toEqual([]);
      expect(Object.values(environment)).not.toContain('do-not-leak');
      expect(environment).toMatchObject({ PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' });
      expect(environment.EVALS_GATE_WORKER).toMatch(/^[0-9a-f]{24}$/);
    });
  });
});
