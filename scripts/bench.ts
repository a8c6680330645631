// What reading a large remote run costs: item-list requests, wall time and peak RSS, the gate's two
// reads next to the obvious loops over the SDK, like against like, side by side in one run. Not a test.
//
//   npm run bench                                   # 10,000 and 100,000 items, 20% failing, 50 ms a request
//   npm run bench -- --quick                        # 2,000 items: a check that it all works, in seconds
//   npm run bench -- --items 10000 --latency-ms 20 --failing 5% --runs 3
//   npm run bench -- --cases gate-failing,gate-failing+baseline
//
// The run has --failing of its items failing (20%); the baseline is another completed run over the same
// rows with a little fewer failing (19%), spread differently, so that there are regressions and fixes.
// The cases, each in a fresh client process started with the Node flags the action and the CLI relaunch
// themselves with (src/shared/node-flags.ts):
// - naive-20:     for await over client.evals.runs.outputItems.list() with the SDK's default pages (20),
//                 every item kept in an array, then counted;
// - naive-100:    the same loop with `limit: 100`: what page size alone buys;
// - gate-full:    the gate's reader (RunItemReader) when it needs every item, as pairing by content does
//                 (here forced): every item, through collectOutputItems into an ItemTally, then analyseRun;
// - gate-failing: what the gate reads when the run object has the rest: the failing list alone
//                 (status=fail), then analyseRun;
// - gate-full+baseline, gate-failing+baseline: the same with the baseline, read as the gate reads it:
//                 both run objects, then both runs' lists at the same time; paired by content (full) or
//                 by id (failing lists).
// The processes: the Evals API fake (test/fakes/serve-evals-api.ts, one per size, its memory its own),
// one client process per measurement (this script with --child CASE), and this parent, which starts the
// fake, completes the two runs through the SDK, runs the clients one after the other and prints the
// tables. Every child watches its stdin: when this process goes, however it goes, they exit too.
import './ts-resolve-hook.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type OpenAI from 'openai';

export const CASES = ['naive-20', 'naive-100', 'gate-full', 'gate-failing', 'gate-full+baseline', 'gate-failing+baseline'] as const;
export type Case = (typeof CASES)[number];

const CASE_LABELS: Record<Case, string> = {
  'naive-20': 'naive loop, SDK default pages (20)',
  'naive-100': 'naive loop, limit: 100',
  'gate-full': 'gate, full read (every item)',
  'gate-failing': 'gate, failing-only read',
  'gate-full+baseline': 'gate, full read + baseline (by content)',
  'gate-failing+baseline': 'gate, failing-only read + baseline (by id)',
};

/** What one client process measured. Memory in bytes, time in milliseconds. */
export interface Measurement {
  case: Case;
  /** Every HTTP request the client made (retries included), and those of them that listed output items. */
  requests: number;
  itemRequests: number;
  /** Output items handed over (both runs' with a baseline). */
  items: number;
  failing: number;
  regressions: number | null;
  fixes: number | null;
  wallMs: number;
  /** RSS once the modules are loaded and the client built, before the first request. */
  startRss: number;
  /** heapUsed, sampled every 10 ms and at the end. */
  peakHeap: number;
  /** The kernel's peak resident set of the client process: process.resourceUsage().maxRSS. */
  maxRss: number;
  /** What the gate's reader said it read, and why. */
  log: string[];
}

const THIS_SCRIPT = fileURLToPath(import.meta.url);
const FAKE_SCRIPT = fileURLToPath(new URL('../test/fakes/serve-evals-api.ts', import.meta.url));
const MB = 1e6;
/** The baseline fails a little less than the run: 19% when the run fails 20%. */
const BASELINE_FAILING_RATIO = 0.95;

// ---- options and targets (pure, tested in test/scripts/bench.test.ts) ---------------------------

export interface BenchOptions {
  items: number[];
  latencyMs: number;
  runs: number;
  /** The share of the run's items that fail, 0–1. */
  failing: number;
  cases: Case[];
}

const QUICK_ITEMS = [2000];

/** The command line, checked: an error names the flag and says what is wrong with it. */
export function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      items: { type: 'string' },
      'latency-ms': { type: 'string', default: '50' },
      runs: { type: 'string', default: '1' },
      failing: { type: 'string', default: '20%' },
      cases: { type: 'string', default: CASES.join(',') },
      quick: { type: 'boolean', default: false },
    },
  });
  const itemsText = values.items ?? (values.quick ? QUICK_ITEMS.join(',') : '10000,100000');
  const items = itemsText.split(',').map((s) => Number(s.replace(/[_\s]/g, '')));
  if (!items.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--items takes item counts separated by commas, e.g. 10000,100000; got ${itemsText}`);
  const latencyMs = Number(values['latency-ms']);
  if (values['latency-ms'] === '' || !Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms takes milliseconds ≥ 0; got ${values['latency-ms']}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number ≥ 1; got ${values.runs}`);
  const failingText = values.failing ?? '';
  const failing = failingText.endsWith('%') ? Number(failingText.slice(0, -1)) / 100 : Number(failingText);
  if (failingText.trim() === '' || !(failing >= 0 && failing <= 1)) throw new Error(`--failing takes a share of the items, 0–1 or 0%–100%, e.g. 20%; got ${failingText}`);
  const cases = (values.cases ?? '').split(',').filter(Boolean);
  for (const name of cases) if (!(CASES as readonly string[]).includes(name)) throw new Error(`--cases: ${name} is not one of ${CASES.join(', ')}`);
  if (cases.length === 0) throw new Error(`--cases names no case; choose among ${CASES.join(', ')}`);
  return { items, latencyMs, runs, failing, cases: CASES.filter((c) => cases.includes(c)) };
}

export interface Target {
  what: 'item-list requests' | 'wall time' | 'peak RSS';
  limit: number;
  /** The figure it is checked against, from a measurement. */
  of: (m: Pick<Measurement, 'itemRequests' | 'wallMs' | 'maxRss'>) => number;
  format: (n: number) => string;
}

/** The issue's conditions for its request and time targets: 100,000 items, 20% failing, 50 ms a request. */
const TARGET_ITEMS = 100_000;
const TARGET_FAILING = 0.2;
const TARGET_LATENCY_MS = 50;

/**
 * The issue's targets for a case at these settings: requests and time for the gate's failing-only read
 * under the issue's conditions; peak RSS for any gate read of 100,000 items. The naive loops have none.
 */
export function targetsFor(name: Case, items: number, failing: number, latencyMs: number): Target[] {
  if (!name.startsWith('gate-') || items !== TARGET_ITEMS) return [];
  const targets: Target[] = [];
  if (name.startsWith('gate-failing') && failing === TARGET_FAILING && latencyMs === TARGET_LATENCY_MS) {
    targets.push({ what: 'item-list requests', limit: name.endsWith('+baseline') ? 420 : 210, of: (m) => m.itemRequests, format: int });
    targets.push({ what: 'wall time', limit: 15_000, of: (m) => m.wallMs, format: secs });
  }
  targets.push({ what: 'peak RSS', limit: 200 * MB, of: (m) => m.maxRss, format: mb });
  return targets;
}

/** `≤ 210 PASS`: each target, judged on the median of the runs. */
export function judge(targets: Target[], runs: Pick<Measurement, 'itemRequests' | 'wallMs' | 'maxRss'>[]): string {
  return targets.map((t) => `${t.what === 'item-list requests' ? 'requests' : t.what === 'wall time' ? 'time' : 'RSS'} ≤ ${t.format(t.limit)} ${median(runs.map(t.of)) <= t.limit ? 'PASS' : 'MISS'}`).join(', ');
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
/** The median, and every value when there are several: `1.2 s [1.1 s, 1.3 s]`. */
const figure = (xs: number[], format: (x: number) => string) => (xs.length > 1 ? `${format(median(xs))} [${xs.map(format).join(', ')}]` : format(xs[0] ?? NaN));

// ---- a measured client (child process) --------------------------------------------------------

function exitWhenParentGoes(): void {
  process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
  (process.stdin as { unref?: () => void }).unref?.();
}

interface RunRef {
  evalId: string;
  runId: string;
}

async function measure(name: Case): Promise<void> {
  exitWhenParentGoes();
  const { values } = parseArgs({ args: process.argv.slice(4), options: { url: { type: 'string' }, current: { type: 'string' }, baseline: { type: 'string' } } });
  const baseURL = required(values.url, '--url');
  const parseRef = (text: string): RunRef => {
    const [evalId = '', runId = ''] = text.split('/');
    return { evalId, runId };
  };
  const current = parseRef(required(values.current, '--current'));
  const baseline = name.endsWith('+baseline') ? parseRef(required(values.baseline, '--baseline')) : null;
  const apiKey = required(process.env.BENCH_API_KEY, 'BENCH_API_KEY');

  // Every HTTP request the SDK makes, retries included: the SDK takes the global fetch when the client is built.
  let requests = 0;
  let itemRequests = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input, init) => {
    requests++;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).pathname.endsWith('/output_items')) itemRequests++;
    return realFetch(input, init);
  }) as typeof fetch;

  const { createEvalsClient } = await import('../src/evals-api/client.ts');
  const { collectOutputItems } = await import('../src/evals-api/collect-items.ts');
  const { toRunSnapshot } = await import('../src/evals-api/records.ts');
  const { listSize, RunItemReader } = await import('../src/gate/read-items.ts');
  const { analyseRun, canPairFailingItems } = await import('../src/analysis/analyse-run.ts');
  const client = createEvalsClient({ baseURL, auth: { kind: 'key', apiKey, header: 'authorization' }, organization: null, project: null, extraHeaders: {}, extraQuery: {} });

  const startRss = process.memoryUsage().rss;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);

  const log: string[] = [];
  let items = 0;
  let failing = 0;
  let regressions: number | null = null;
  let fixes: number | null = null;
  const started = performance.now();
  if (name === 'naive-20' || name === 'naive-100') {
    // The obvious implementation: the SDK's auto-pagination, every item kept, then counted.
    const all: OpenAI.Evals.Runs.OutputItemListResponse[] = [];
    const query = name === 'naive-100' ? { eval_id: current.evalId, limit: 100 } : { eval_id: current.evalId };
    for await (const item of client.evals.runs.outputItems.list(current.runId, query)) all.push(item);
    for (const item of all) if (item.status !== 'pass') failing++;
    items = all.length;
  } else {
    // What the gate does once the run has completed: the run objects (the baseline's is read with its
    // lookup), then the lists the verdict needs, of both runs at the same time.
    const reader = new RunItemReader(
      (run, status, onRecord, keepReading) => {
        return collectOutputItems(client, { evalId: run.evalId, runId: run.id, baseURL, expectedTotal: listSize(run, status), status, keepReading }, (record) => {
          items++;
          onRecord(record);
        });
      },
      (line) => log.push(line),
    );
    const snapshot = async (ref: RunRef) => toRunSnapshot(await client.evals.runs.retrieve(ref.runId, { eval_id: ref.evalId }));
    const [run, base] = await Promise.all([snapshot(current), baseline ? snapshot(baseline) : null]);
    const full = name.startsWith('gate-full');
    const pairing = full ? 'content' : base ? 'id' : 'none';
    let [tally, baseTally] = await Promise.all([reader.read(run, pairing, 'run'), base ? reader.read(base, pairing, 'baseline run') : null]);
    if (!full && base && baseTally && !canPairFailingItems(run, tally, base, baseTally, true)) {
      const why = 'the failing lists cannot be paired by id';
      [tally, baseTally] = await Promise.all([reader.complete(run, tally, 'run', why), reader.complete(base, baseTally, 'baseline run', why)]);
    }
    const result = analyseRun({
      evalId: current.evalId,
      run,
      status: 'completed',
      tally,
      threshold: 0.5,
      criteriaThresholds: [],
      timeoutMs: 60_000,
      durationMs: 0,
      workflowRunUrl: null,
      baseline: base && baseTally ? { run: base, branch: 'main', label: 'vs main', tally: baseTally, sameDataset: !full } : null,
    });
    failing = result.counts.failed + result.counts.errored;
    regressions = result.baseline?.comparison.mcnemar.regressions ?? null;
    fixes = result.baseline?.comparison.mcnemar.fixes ?? null;
  }
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

  const result: Measurement = {
    case: name,
    requests,
    itemRequests,
    items,
    failing,
    regressions,
    fixes,
    wallMs,
    startRss,
    peakHeap,
    maxRss: process.resourceUsage().maxRSS * 1024,
    log,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required`);
  return value;
}

// ---- the parent: fake, runs, measurements, tables ---------------------------------------------

// Preloaded into the fake (which has no such guard of its own): exit when our end of its stdin closes.
const PARENT_WATCH = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end',()=>process.exit(0)).on('error',()=>process.exit(0)).resume();process.stdin.unref?.();",
)}`;

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
  currentEvalId: string;
  baselineEvalId: string;
  stop(): Promise<void>;
}

/** Two evals with the same criteria and rows (items are a function of their index), failing differently. */
async function startFake(items: number, failing: number, baselineFailing: number, latencyMs: number): Promise<Fake> {
  const criteria = [
    { type: 'string_check', name: 'Category matches', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' },
    { type: 'string_check', name: 'Names a category', input: '{{sample.output_text}}', reference: '%', operation: 'like' },
  ];
  const evalWith = (name: string, failed: number) => ({
    name,
    testing_criteria: criteria,
    plan: { items, failing: failed, errored: 0 },
    progress: { queuedPolls: 0, inProgressPolls: 0 },
  });
  const scenario = { evals: [evalWith('Support triage (benchmark)', failing), evalWith('Support triage (benchmark baseline)', baselineFailing)] };
  const child = track(
    spawn(process.execPath, ['--import', PARENT_WATCH, FAKE_SCRIPT, '--scenario', JSON.stringify(scenario), '--latency-ms', String(latencyMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const line = await firstLine(child, 'the Evals API fake', 30_000);
  child.stdout?.resume();
  const { url, apiKey, evalIds } = JSON.parse(line) as { url: string; apiKey: string; evalIds: string[] };
  const [currentEvalId, baselineEvalId] = evalIds;
  if (!currentEvalId || !baselineEvalId) throw new Error(`the fake serves too few evals: ${line}`);
  return {
    url,
    apiKey,
    currentEvalId,
    baselineEvalId,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates a run through the SDK and polls it until it has completed; returns `evalId/runId`. */
async function completedRun(fake: Fake, evalId: string): Promise<string> {
  const { default: OpenAISdk } = await import('openai');
  const client = new OpenAISdk({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 });
  let run = await client.evals.runs.create(evalId, {
    name: 'bench',
    data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } },
  });
  const deadline = Date.now() + 60_000;
  while (run.status !== 'completed') {
    if (['failed', 'canceled', 'cancelled'].includes(run.status)) throw new Error(`the benchmark run ended ${run.status}`);
    if (Date.now() > deadline) throw new Error(`the benchmark run is still ${run.status} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = await client.evals.runs.retrieve(run.id, { eval_id: evalId });
  }
  return `${evalId}/${run.id}`;
}

async function runClient(name: Case, fake: Fake, current: string, baseline: string, nodeFlags: readonly string[]): Promise<Measurement> {
  const args = [...nodeFlags, THIS_SCRIPT, '--child', name, '--url', fake.url, '--current', current, '--baseline', baseline];
  const child = track(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_API_KEY: fake.apiKey } }));
  // The naive loop over 100,000 items takes minutes: a dot every 10 s says it is still going.
  const ticker = setInterval(() => process.stderr.write('.'), 10_000);
  try {
    const line = await firstLine(child, `the ${name} client`, 60 * 60_000);
    return JSON.parse(line) as Measurement;
  } finally {
    clearInterval(ticker);
  }
}

function table(options: BenchOptions, size: number, rows: Array<{ name: Case; runs: Measurement[] }>): string {
  const header = ['case', 'item-list requests', 'wall time', 'peak RSS', 'RSS at start', 'peak heap', 'failing / regressions / fixes', 'targets (issue 12)'];
  const cells = rows.map(({ name, runs }) => {
    const first = runs[0] as Measurement;
    const counts = `${int(first.failing)} / ${first.regressions === null ? '–' : int(first.regressions)} / ${first.fixes === null ? '–' : int(first.fixes)}`;
    const targets = targetsFor(name, size, options.failing, options.latencyMs);
    return [
      CASE_LABELS[name],
      figure(runs.map((m) => m.itemRequests), int),
      figure(runs.map((m) => m.wallMs), secs),
      figure(runs.map((m) => m.maxRss), mb),
      figure(runs.map((m) => m.startRss), mb),
      figure(runs.map((m) => m.peakHeap), mb),
      counts,
      targets.length ? judge(targets, runs) : '–',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const format = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)].join('\n');
}

/** What the parent checks of each measurement: every case read the same run, and found what it has. */
function oddities(name: Case, m: Measurement, size: number, failing: number, baselineFailing: number): string[] {
  const notes: string[] = [];
  if (m.failing !== failing) notes.push(`${name} counted ${int(m.failing)} failing items; the run has ${int(failing)}.`);
  if (name.startsWith('naive') && m.items !== size) notes.push(`${name} read ${int(m.items)} items; the run has ${int(size)}.`);
  const expectedItems = name === 'gate-full' ? size : name === 'gate-full+baseline' ? 2 * size : name === 'gate-failing' ? failing : name === 'gate-failing+baseline' ? failing + baselineFailing : m.items;
  if (m.items !== expectedItems) notes.push(`${name} read ${int(m.items)} items where ${int(expectedItems)} were expected.`);
  return notes;
}

async function parent(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const { NODE_FLAGS } = await import('../src/shared/node-flags.ts');
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const cpu = cpus();
  const failingPct = `${+(options.failing * 100).toFixed(2)}%`;
  const baselinePct = `${+(options.failing * BASELINE_FAILING_RATIO * 100).toFixed(2)}%`;
  console.log(`Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load average ${load()} (1, 5, 15 min) at start; Node ${process.version}.`);
  console.log(`A completed run with ${failingPct} of its items failing, read from the loopback Evals API fake (its own process), ${options.latencyMs} ms a request;`);
  console.log(`the baseline: another completed run over the same rows, ${baselinePct} failing, spread differently.`);
  console.log(`Each case in a fresh client process run from source with ${NODE_FLAGS.join(' ')} (NODE_FLAGS, as the action and the CLI relaunch).`);
  console.log('item-list requests: requests to …/output_items, counted by a wrapper around the fetch the SDK uses (retries included);');
  console.log('the gate cases also read the run objects (1, or 2 with a baseline). wall time: first request to the verdict\'s inputs ready.');
  console.log('peak RSS: the client\'s process.resourceUsage().maxRSS; RSS at start: once its modules are loaded, before the first request;');
  console.log('peak heap: heapUsed sampled every 10 ms. MB = 10^6 bytes.');
  console.log(`Targets (issue 12): at 100,000 items, 20% failing, 50 ms a request, the failing-only read within 210 item-list requests (420 with a baseline)`);
  console.log('and 15 s; peak RSS within 200 MB for any gate read of 100,000 items; judged on the median.');
  if (options.runs > 1) console.log(`Each figure: the median of ${options.runs} runs, interleaved [each run's value].`);

  for (const size of options.items) {
    const failing = Math.round(size * options.failing);
    const baselineFailing = Math.round(size * options.failing * BASELINE_FAILING_RATIO);
    process.stderr.write(`${int(size)} items: starting the fake and completing two runs… `);
    const fake = await startFake(size, failing, baselineFailing, options.latencyMs);
    try {
      const current = await completedRun(fake, fake.currentEvalId);
      const baseline = await completedRun(fake, fake.baselineEvalId);
      process.stderr.write('done.\n');
      const rows = options.cases.map((name) => ({ name, runs: [] as Measurement[] }));
      const notes = new Set<string>();
      for (let round = 1; round <= options.runs; round++) {
        for (const row of rows) {
          process.stderr.write(`  ${row.name} (${round}/${options.runs}) `);
          const m = await runClient(row.name, fake, current, baseline, NODE_FLAGS);
          process.stderr.write(`${secs(m.wallMs)}, ${int(m.itemRequests)} item-list requests, peak RSS ${mb(m.maxRss)}\n`);
          if (round === 1) for (const line of m.log) process.stderr.write(`    ${line}\n`);
          for (const note of oddities(row.name, m, size, failing, baselineFailing)) notes.add(note);
          row.runs.push(m);
        }
      }
      console.log(`\n${int(size)} items (${int(failing)} failing; baseline ${int(baselineFailing)} failing), ${options.latencyMs} ms a request; load average ${load()} at the end`);
      console.log(table(options, size, rows));
      for (const note of notes) console.log(`warning: ${note}`);
    } finally {
      await fake.stop();
    }
  }
}

if (import.meta.main && process.argv[2] === '--child') {
  const name = process.argv[3] as Case;
  if (!CASES.includes(name)) throw new Error(`--child takes one of ${CASES.join(', ')}, not ${name}`);
  await measure(name);
} else if (import.meta.main) {
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
