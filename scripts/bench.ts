// How fast, with how many requests and in how much memory the gate reads a large run's output items,
// next to the obvious loop over the SDK's default pages. Not part of the tests.
//
//   npm run bench                                  # 10,000 and 100,000 items (20% failing), 50 ms per request
//   npm run bench -- --sizes 10000 --latency-ms 20
//   npm run bench -- --skip-naive-above 10000      # skip the naive loop over 100,000 items (~4–5 minutes)
//
// Three kinds of process, so that each measured client's memory is its own:
// - the Evals API fake (test/fakes/serve-evals-api.ts), one per size, serving a scripted run;
// - one client process per measurement (this script with --child gate|naive), which reads every output
//   item of the run once and reports requests, wall time and sampled memory as one JSON line;
// - this parent, which starts the fake, creates the run through the SDK, waits for it to complete,
//   runs the clients one after the other and prints the tables.
// Every child watches its stdin: when this process goes, however it goes, they exit too.
import './ts-resolve-hook.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type OpenAI from 'openai';

type Mode = 'gate' | 'naive';

/** What one client process measured. Memory in bytes, time in milliseconds. */
interface Measurement {
  mode: Mode;
  requests: number;
  pages: number | null;
  items: number;
  passed: number;
  failed: number;
  errored: number;
  wallMs: number;
  baselineRss: number;
  baselineHeap: number;
  peakRss: number;
  peakHeap: number;
  maxRss: number;
}

const THIS_SCRIPT = fileURLToPath(import.meta.url);
const FAKE_SCRIPT = fileURLToPath(new URL('../test/fakes/serve-evals-api.ts', import.meta.url));
const FAILING_SHARE = 0.2;
const MiB = 1024 * 1024;

// Preloaded into the fake (which has no such guard of its own): exit when our end of its stdin closes.
const PARENT_WATCH = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end',()=>process.exit(0)).on('error',()=>process.exit(0)).resume();process.stdin.unref?.();",
)}`;

function exitWhenParentGoes(): void {
  process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
  (process.stdin as { unref?: () => void }).unref?.();
}

// ---- a measured client (child process) --------------------------------------------------------

async function measure(mode: Mode): Promise<void> {
  exitWhenParentGoes();
  const { values } = parseArgs({
    args: process.argv.slice(4),
    options: {
      url: { type: 'string' },
      'eval-id': { type: 'string' },
      'run-id': { type: 'string' },
      expected: { type: 'string' },
      'sample-ms': { type: 'string', default: '10' },
    },
  });
  const baseURL = required(values.url, '--url');
  const evalId = required(values['eval-id'], '--eval-id');
  const runId = required(values['run-id'], '--run-id');
  const expectedTotal = Number(values.expected ?? '0');
  const apiKey = required(process.env.BENCH_API_KEY, 'BENCH_API_KEY');

  // Every HTTP request the SDK makes, retries included: the SDK takes the global fetch when the client is built.
  let requests = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input, init) => {
    requests++;
    return realFetch(input, init);
  }) as typeof fetch;

  const { createEvalsClient } = await import('../src/evals-api/client.ts');
  const { collectOutputItems } = await import('../src/evals-api/collect-items.ts');
  const { ItemTally } = await import('../src/analysis/item-tally.ts');
  const client = createEvalsClient({
    baseURL,
    auth: { kind: 'key', apiKey, header: 'authorization' },
    organization: null,
    project: null,
    extraHeaders: {},
    extraQuery: {},
  });

  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > peakRss) peakRss = rss;
    if (heapUsed > peakHeap) peakHeap = heapUsed;
  };
  const baseline = process.memoryUsage();
  sample();
  const sampler = setInterval(sample, Number(values['sample-ms']));

  let items = 0;
  let seconds = 0;
  const progress = setInterval(() => {
    seconds++;
    process.stderr.write(seconds % 10 === 0 ? `[${items.toLocaleString('en-US')}]` : '.');
  }, 1000);

  let counts: { passed: number; failed: number; errored: number };
  let pages: number | null = null;
  const started = performance.now();
  if (mode === 'gate') {
    // What the gate (src/gate/tally-run.ts) does once the run has completed.
    const tally = new ItemTally();
    const stats = await collectOutputItems(client, { evalId, runId, baseURL, expectedTotal }, (record) => {
      tally.add(record);
      items++;
    });
    sample();
    pages = stats.pages;
    counts = { passed: tally.counts.passed, failed: tally.counts.failed, errored: tally.counts.errored };
  } else {
    // The obvious implementation: the SDK's auto-pagination with its default page size, every item kept.
    const all: OpenAI.Evals.Runs.OutputItemListResponse[] = [];
    for await (const item of client.evals.runs.outputItems.list(runId, { eval_id: evalId })) {
      all.push(item);
      items++;
    }
    counts = { passed: 0, failed: 0, errored: 0 };
    for (const item of all) {
      const error = item.sample?.error as { code?: string | null; message?: string | null } | null | undefined;
      if (error?.message || error?.code) counts.errored++;
      else if (item.status === 'pass') counts.passed++;
      else counts.failed++;
    }
    sample();
    items = all.length;
  }
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  clearInterval(progress);

  const result: Measurement = {
    mode,
    requests,
    pages,
    items,
    ...counts,
    wallMs,
    baselineRss: baseline.rss,
    baselineHeap: baseline.heapUsed,
    peakRss,
    peakHeap,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required`);
  return value;
}

// ---- the parent: fake, run, measurements, tables -----------------------------------------------

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killChildren(): void {
  for (const child of children) child.kill('SIGTERM');
}

function onSignal(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the fake and the clients.\n`);
    killChildren();
    process.exit(code);
  });
}

/** Resolves with the child's first stdout line; rejects if it exits first or stays silent too long. */
function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error(`${what}: no stdout`));
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing in ${timeoutMs / 1000} s`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before printing its result`));
    };
    lines.once('line', (line) => {
      done();
      resolve(line);
    });
    child.once('exit', onExit);
  });
}

interface Fake {
  url: string;
  apiKey: string;
  evalId: string;
  stop(): Promise<void>;
}

async function startFake(items: number, latencyMs: number): Promise<Fake> {
  const scenario = {
    evals: [
      {
        name: 'Support triage (benchmark)',
        testing_criteria: [
          { type: 'string_check', name: 'Category matches', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' },
          { type: 'string_check', name: 'Names a category', input: '{{sample.output_text}}', reference: '%', operation: 'like' },
        ],
        plan: { items, failing: Math.round(items * FAILING_SHARE), errored: 0 },
        progress: { queuedPolls: 0, inProgressPolls: 0 },
      },
    ],
  };
  const child = track(
    spawn(process.execPath, ['--import', PARENT_WATCH, FAKE_SCRIPT, '--scenario', JSON.stringify(scenario), '--latency-ms', String(latencyMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const line = await firstLine(child, 'the Evals API fake', 30_000);
  child.stdout?.resume();
  const { url, apiKey, evalIds } = JSON.parse(line) as { url: string; apiKey: string; evalIds: string[] };
  const evalId = evalIds[0];
  if (!evalId) throw new Error(`the fake serves no eval: ${line}`);
  return {
    url,
    apiKey,
    evalId,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates a run through the SDK and polls it until it has completed; returns its id and item count. */
async function completedRun(fake: Fake): Promise<{ runId: string; total: number }> {
  const { default: OpenAISdk } = await import('openai');
  const client = new OpenAISdk({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
  let run = await client.evals.runs.create(fake.evalId, {
    name: 'bench',
    data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } },
  });
  const deadline = Date.now() + 60_000;
  while (run.status !== 'completed') {
    if (['failed', 'canceled', 'cancelled'].includes(run.status)) throw new Error(`the benchmark run ended ${run.status}`);
    if (Date.now() > deadline) throw new Error(`the benchmark run is still ${run.status} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = await client.evals.runs.retrieve(run.id, { eval_id: fake.evalId });
  }
  return { runId: run.id, total: run.result_counts.total };
}

async function runClient(mode: Mode, fake: Fake, run: { runId: string; total: number }, sampleMs: number): Promise<Measurement> {
  const args = [THIS_SCRIPT, '--child', mode, '--url', fake.url, '--eval-id', fake.evalId, '--run-id', run.runId, '--expected', String(run.total), '--sample-ms', String(sampleMs)];
  const child = track(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_API_KEY: fake.apiKey } }));
  const line = await firstLine(child, `the ${mode} client`, 60 * 60_000);
  return JSON.parse(line) as Measurement;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;
const times = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

function table(rows: Array<Measurement | { mode: Mode; skipped: string }>): string {
  const header = ['mode', 'requests', 'wall time', 'peak RSS', 'peak heap', 'maxRSS'];
  const cells = rows.map((r) =>
    'skipped' in r ? [r.mode, r.skipped] : [r.mode, int(r.requests), secs(r.wallMs), mib(r.peakRss), mib(r.peakHeap), mib(r.maxRss)],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.filter((c) => c.length === header.length).map((c) => c[i]?.length ?? 0)));
  const format = (c: string[]) =>
    c.length < header.length
      ? `${(c[0] ?? '').padEnd(widths[0] ?? 0)}  ${c[1] ?? ''}`
      : c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), ...cells.map(format)].join('\n');
}

async function parent(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      'latency-ms': { type: 'string', default: '50' },
      'skip-naive-above': { type: 'string' },
      'sample-ms': { type: 'string', default: '10' },
    },
  });
  const sizes = (values.sizes ?? '').split(',').map((s) => Number(s.replace(/[_\s]/g, '')));
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--sizes must be positive integers, e.g. 10000,100000; got ${values.sizes}`);
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be a number ≥ 0; got ${values['latency-ms']}`);
  const skipNaiveAbove = values['skip-naive-above'] === undefined ? Infinity : Number(values['skip-naive-above']);
  if (Number.isNaN(skipNaiveAbove)) throw new Error(`--skip-naive-above must be a number; got ${values['skip-naive-above']}`);
  const sampleMs = Number(values['sample-ms']);

  console.log('Reading every output item of one completed run, from the loopback Evals API fake in its own process.');
  console.log('gate:  createEvalsClient + collectOutputItems (pages of 100) into ItemTally, as the gate does.');
  console.log('naive: for await over client.evals.runs.outputItems.list() (SDK default pages of 20), every item kept in an array, then counted.');
  console.log('Each client runs in a fresh process. requests = HTTP requests counted by a wrapper around the global fetch the SDK');
  console.log(`uses (retries included). wall time = first request to counts ready. peak RSS / heap used: sampled every ${sampleMs} ms`);
  console.log('and at the end; maxRSS: process.resourceUsage(). MiB = 2^20 bytes.\n');

  for (const size of sizes) {
    const failing = Math.round(size * FAILING_SHARE);
    process.stderr.write(`${int(size)} items: starting the fake and completing a run… `);
    const fake = await startFake(size, latencyMs);
    try {
      const run = await completedRun(fake);
      process.stderr.write(`run ${run.runId} (${int(run.total)} items).\n`);
      const rows: Array<Measurement | { mode: Mode; skipped: string }> = [];
      for (const mode of ['gate', 'naive'] as const) {
        if (mode === 'naive' && size > skipNaiveAbove) {
          rows.push({ mode, skipped: `skipped (--skip-naive-above ${int(skipNaiveAbove)})` });
          continue;
        }
        const pageSize = mode === 'gate' ? 100 : 20;
        const estimate = (Math.ceil(size / pageSize) * latencyMs) / 1000;
        process.stderr.write(`  ${mode}: ~${int(Math.ceil(size / pageSize))} requests, at least ${estimate.toFixed(0)} s `);
        const m = await runClient(mode, fake, run, sampleMs);
        process.stderr.write(` ${secs(m.wallMs)}\n`);
        if (m.items !== run.total || m.failed + m.errored !== failing) {
          process.stderr.write(`  warning: ${mode} counted ${int(m.items)} items, ${int(m.failed)} failing, ${int(m.errored)} errored; the run has ${int(run.total)} items, ${int(failing)} failing.\n`);
        }
        if (m.pages !== null && m.pages !== m.requests) {
          process.stderr.write(`  note: ${mode} saw ${int(m.pages)} pages in ${int(m.requests)} requests (retries?).\n`);
        }
        rows.push(m);
      }
      console.log(`\n${int(size)} items (${int(failing)} failing), ${latencyMs} ms per request`);
      console.log(table(rows));
      const [gate, naive] = rows;
      const measured = rows.filter((r): r is Measurement => !('skipped' in r));
      console.log(`items / failing counted: ${measured.map((m) => `${m.mode} ${int(m.items)} / ${int(m.failed + m.errored)}`).join(', ')}.`);
      if (gate && !('skipped' in gate)) console.log(`client process before reading: RSS ${mib(gate.baselineRss)}, heap ${mib(gate.baselineHeap)}.`);
      if (gate && naive && !('skipped' in gate) && !('skipped' in naive)) {
        console.log(
          `gate vs naive: ${times(naive.requests, gate.requests)} fewer requests, ${times(naive.wallMs, gate.wallMs)} faster, ` +
            `${times(naive.peakRss, gate.peakRss)} less peak RSS, ${times(naive.peakHeap, gate.peakHeap)} less peak heap ` +
            `(${times(naive.peakHeap - naive.baselineHeap, gate.peakHeap - gate.baselineHeap)} less heap growth).`,
        );
      }
    } finally {
      await fake.stop();
    }
  }
}

if (process.argv[2] === '--child') {
  const mode = process.argv[3];
  if (mode !== 'gate' && mode !== 'naive') throw new Error(`--child takes gate or naive, not ${mode}`);
  await measure(mode);
} else {
  process.on('exit', killChildren);
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  onSignal('SIGHUP', 129);
  try {
    await parent();
  } catch (error) {
    process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    killChildren();
  }
}
