// The local engine's speed and memory, measured as a user meets them (not part of the tests): the
// bundled CLI (dist/cli/index.js, built by `npm run build`) started in a fresh process for every run,
// its peak resident memory measured by the OS, its start-up measured apart from its throughput.
//
//   npm run bench:engine                                        # 10,000 and 100,000 items, twice each
//   npm run bench:engine -- --items 100000 --repeat 3
//   npm run bench:engine -- --cli before=/tmp/old/dist/cli/index.js --cli after=dist/cli/index.js
//   npm run bench:engine -- --cli 'semi8=dist/cli/index.js --max-semi-space-size=8'
//   npm run bench:engine -- --skip rate                         # throughput only
//   npm run bench:engine -- --peak-rss self                     # maxRSS reported by the processes, not /usr/bin/time
//
// 1. Throughput: a JSONL file of pre-generated samples graded by two string_check and three
//    text_similarity graders (fuzzy_match, bleu, rouge_l); one item in five is reworded, so 20% fail and
//    are kept for the reports. `evals-gate run --json` runs the whole path: settings, the local engine,
//    start → wait → collect, analysis, the results document (written to a file, then checked).
//    - start-up: `evals-gate --help` (Node starting, the bundle loading, any re-exec), and a 1-item run
//      (all of the above plus the engine, the report and the exit);
//    - per size: wall time, items/s over the whole process, and items/s past the 1-item run's fixed
//      cost ((items − 1) / (wall − wall of the 1-item run)); peak RSS as the kernel counts it for the
//      process and anything it ran (`/usr/bin/time -f %M`, else `process.resourceUsage().maxRSS` reported
//      by a preloaded module).
//    Every case runs `--repeat` times, the CLIs interleaved (A B A B…) so that a busy spell on a shared
//    machine falls on all of them; each run is printed, then the median, and the spread (max − min).
// 2. Rate limits: a completions data source (`--rate-items`, default 1,200 items, one model call each)
//    against the loopback model fake limited to `--rpm` requests per minute (default 600; a token bucket
//    that starts full, as OpenAI's do). Past the first bucketful the engine can go no faster than the
//    limit; the script prints the rate it achieved there as a fraction of the limit, and how many
//    requests were refused (429) on the way. Run with the first --cli.
import './ts-resolve-hook.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream, openSync, closeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000,100000' },
    repeat: { type: 'string', default: '2' },
    cli: { type: 'string', multiple: true },
    rpm: { type: 'string', default: '600' },
    'rate-items': { type: 'string', default: '1200' },
    concurrency: { type: 'string', default: '8' },
    skip: { type: 'string', default: '' },
    // `time`: /usr/bin/time when it is there; `self`: each Node process reports its own maxRSS.
    'peak-rss': { type: 'string', default: 'time' },
  },
});

interface Cli {
  label: string;
  script: string;
  nodeFlags: string[];
}

/** `label=path [node flags…]`, or a bare path (labelled by itself). */
function parseCli(spec: string): Cli {
  const equals = spec.indexOf('=');
  const label = equals > 0 && !spec.slice(0, equals).includes('/') ? spec.slice(0, equals) : '';
  const [script = '', ...nodeFlags] = (label ? spec.slice(equals + 1) : spec).trim().split(/\s+/);
  const path = resolve(script);
  if (!existsSync(path)) throw new Error(`--cli ${spec}: ${path} does not exist (npm run build makes dist/cli/index.js)`);
  return { label: label || script, script: path, nodeFlags };
}

const clis = (values.cli?.length ? values.cli : ['dist/cli/index.js']).map(parseCli);
const sizes = (values.items ?? '').split(',').map((s) => Number(s.replace(/[_\s]/g, '')));
if (!sizes.every((n) => Number.isInteger(n) && n > 1)) throw new Error(`--items must be integers above 1, e.g. 10000,100000; got ${values.items}`);
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number ≥ 1; got ${values.repeat}`);
const concurrency = values.concurrency ?? '8';

const TIME = '/usr/bin/time';
const useTime = values['peak-rss'] !== 'self' && existsSync(TIME);
// Without /usr/bin/time: every Node process of the run (a re-exec included) reports its own peak at exit.
const REPORT_MAXRSS = `data:text/javascript,${encodeURIComponent(
  "process.on('exit',()=>{try{process.getBuiltinModule('node:fs').writeSync(2,'\\nEVALS_GATE_BENCH_MAXRSS_KB='+process.resourceUsage().maxRSS+' CPU_S='+(process.resourceUsage().userCPUTime+process.resourceUsage().systemCPUTime)/1e6+'\\n')}catch{}});",
)}`;

const dir = mkdtempSync(join(tmpdir(), 'evals-gate-bench-'));

interface Measured {
  code: number | null;
  wallMs: number;
  /** User + system CPU time: less at the mercy of other work on a shared machine than the wall time. */
  cpuMs: number;
  maxRssKb: number;
  stderr: string;
  stdoutFile: string;
}

/** Runs the CLI once in a fresh process (cwd = the bench directory) and measures it. */
function runOnce(cli: Cli, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const stdoutFile = join(dir, `stdout-${process.hrtime.bigint()}.json`);
  const out = openSync(stdoutFile, 'w');
  const node = [process.execPath, ...cli.nodeFlags, cli.script, ...args];
  const [command, ...rest] = useTime ? [TIME, '-f', 'EVALS_GATE_BENCH_MAXRSS_KB=%M CPU_S=%U+%S', ...node] : node;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, GITHUB_WORKSPACE: dir };
  if (!useTime) childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --import=${REPORT_MAXRSS}`.trim();
  const started = performance.now();
  const child = spawn(command as string, rest, { cwd: dir, env: childEnv, stdio: ['ignore', out, 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      closeSync(out);
      const reports = [...stderr.matchAll(/EVALS_GATE_BENCH_MAXRSS_KB=(\d+) CPU_S=([\d.+]+)/g)];
      const maxRssKb = Math.max(0, ...reports.map((match) => Number(match[1])));
      // /usr/bin/time counts the children it waited for; the preloaded reports are one per process.
      const cpuMs = reports.reduce((sum, match) => sum + (match[2] ?? '0').split('+').reduce((s, part) => s + Number(part), 0), 0) * 1000;
      resolvePromise({ code, wallMs, cpuMs, maxRssKb, stderr, stdoutFile });
    });
  });
}

const ANSWERS = [
  'You can return any item within 30 days of delivery for a full refund to the original payment method.',
  'Standard shipping takes three to five business days; express shipping arrives the next business day.',
  'Gift wrapping is available at checkout for five dollars per item, with a handwritten card included.',
];

async function writeRows(path: string, count: number, row: (index: number) => unknown): Promise<void> {
  const out = createWriteStream(path);
  for (let index = 0; index < count; index++) {
    if (!out.write(`${JSON.stringify(row(index))}\n`)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done) => out.end(() => done()));
}

const sampleRow = (index: number) => {
  const expected = ANSWERS[index % ANSWERS.length] ?? '';
  const output = index % 5 === 0 ? expected.split(' ').reverse().join(' ') : expected;
  return { item: { question: `question ${index}`, expected, term: expected.split(' ')[3] }, sample: { output_text: output } };
};

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const MB = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function checked(m: Measured, what: string, expectTotal: number | null): Measured {
  if (m.code !== 0) throw new Error(`${what} exited with ${m.code}:\n${m.stderr.slice(-2000)}`);
  if (expectTotal !== null) {
    const document = JSON.parse(readFileSync(m.stdoutFile, 'utf8')) as { counts?: { total?: number; failed?: number } };
    const total = document.counts?.total;
    const failing = document.counts?.failed;
    if (total !== expectTotal || failing !== Math.ceil(expectTotal / 5)) {
      throw new Error(`${what}: the CLI counted ${total} items, ${failing} failing; expected ${expectTotal}, ${Math.ceil(expectTotal / 5)}`);
    }
  }
  rmSync(m.stdoutFile, { force: true });
  return m;
}

async function throughput(): Promise<void> {
  writeFileSync(
    join(dir, 'bench.eval.json'),
    JSON.stringify({
      name: 'Bench',
      data_source_config: { type: 'custom', item_schema: { type: 'object' }, include_sample_schema: true },
      testing_criteria: [
        { type: 'string_check', name: 'exact', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' },
        { type: 'string_check', name: 'mentions', input: '{{sample.output_text}}', reference: '{{item.term}}', operation: 'ilike' },
        { type: 'text_similarity', name: 'fuzzy', input: '{{sample.output_text}}', reference: '{{item.expected}}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.8 },
        { type: 'text_similarity', name: 'bleu', input: '{{sample.output_text}}', reference: '{{item.expected}}', evaluation_metric: 'bleu', pass_threshold: 0.5 },
        { type: 'text_similarity', name: 'rouge', input: '{{sample.output_text}}', reference: '{{item.expected}}', evaluation_metric: 'rouge_l', pass_threshold: 0.6 },
      ],
    }),
  );
  const runArgs = (file: string) => ['run', '--eval-file', 'bench.eval.json', '--data-file', file, '--threshold', '0', '--concurrency', concurrency, '--json'];
  await writeRows(join(dir, 'one.jsonl'), 1, sampleRow);
  for (const size of sizes) await writeRows(join(dir, `items-${size}.jsonl`), size, sampleRow);

  interface Row {
    help: Measured[];
    one: Measured[];
    sized: Map<number, Measured[]>;
  }
  const rows = new Map<Cli, Row>(clis.map((cli) => [cli, { help: [], one: [], sized: new Map(sizes.map((size) => [size, []])) }]));
  for (let round = 1; round <= repeat; round++) {
    for (const cli of clis) {
      const row = rows.get(cli) as Row;
      process.stderr.write(`round ${round}/${repeat}, ${cli.label}: start-up`);
      row.help.push(checked(await runOnce(cli, ['--help']), `${cli.label} --help`, null));
      row.one.push(checked(await runOnce(cli, runArgs('one.jsonl')), `${cli.label} 1 item`, null));
      for (const size of sizes) {
        process.stderr.write(`, ${int(size)}`);
        const m = checked(await runOnce(cli, runArgs(`items-${size}.jsonl`)), `${cli.label} ${size} items`, size);
        row.sized.get(size)?.push(m);
        process.stderr.write(` (${secs(m.wallMs)}, ${MB(m.maxRssKb)})`);
      }
      process.stderr.write('\n');
    }
  }

  console.log(`\nThe bundled CLI in a fresh process per run: evals-gate run --json, local engine, concurrency ${concurrency},`);
  console.log('5 graders (2 string_check; text_similarity fuzzy_match, bleu, rouge_l), 20% of items failing.');
  console.log(`Peak RSS: ${useTime ? '/usr/bin/time -f %M (the kernel\'s maxrss of the process and its children)' : 'process.resourceUsage().maxRSS of every Node process of the run'}.`);
  console.log(`Each figure: median of ${repeat} runs [each run's value]; ± = max − min. MiB = 2^20 bytes.`);
  const each = (xs: number[], format: (x: number) => string) => `[${xs.map(format).join(', ')}]`;
  const header = ['cli', 'case', 'wall time', 'items/s (whole run)', 'items/s (past start-up)', 'CPU time', 'items per CPU-s', 'peak RSS'];
  const table: string[][] = [];
  for (const cli of clis) {
    const row = rows.get(cli) as Row;
    const oneWall = row.one.map((m) => m.wallMs);
    const cpu = (ms: Measured[]) => ms.map((m) => m.cpuMs);
    for (const [what, ms] of [['start-up: --help', row.help], ['start-up: 1 item', row.one]] as const) {
      const walls = ms.map((m) => m.wallMs);
      table.push([cli.label, what, `${secs(median(walls))} ± ${secs(spread(walls))} ${each(walls, secs)}`, '', '', `${secs(median(cpu(ms)))} ${each(cpu(ms), secs)}`, '', MB(median(ms.map((m) => m.maxRssKb)))]);
    }
    for (const size of sizes) {
      const ms = row.sized.get(size) ?? [];
      const walls = ms.map((m) => m.wallMs);
      const whole = ms.map((m) => size / (m.wallMs / 1000));
      const past = ms.map((m, i) => (size - 1) / (Math.max(1, m.wallMs - (oneWall[i] ?? median(oneWall))) / 1000));
      const rss = ms.map((m) => m.maxRssKb);
      table.push([
        cli.label,
        `${int(size)} items`,
        `${secs(median(walls))} ± ${secs(spread(walls))} ${each(walls, secs)}`,
        `${int(median(whole))} ${each(whole, int)}`,
        `${int(median(past))} ${each(past, int)}`,
        `${secs(median(cpu(ms)))} ${each(cpu(ms), secs)}`,
        `${int(median(ms.map((m) => size / (m.cpuMs / 1000))))} ${each(ms.map((m) => size / (m.cpuMs / 1000)), int)}`,
        `${MB(median(rss))} ± ${MB(spread(rss))} ${each(rss, MB)}`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(`\n${line(header)}\n${table.map(line).join('\n')}`);
  if (clis.length > 1) {
    const [first] = clis;
    for (const cli of clis.slice(1)) {
      for (const size of sizes) {
        const a = rows.get(first as Cli)?.sized.get(size) ?? [];
        const b = rows.get(cli)?.sized.get(size) ?? [];
        const speed = median(a.map((m) => m.wallMs)) / median(b.map((m) => m.wallMs));
        const perCpu = median(a.map((m) => m.cpuMs)) / median(b.map((m) => m.cpuMs));
        const memory = median(a.map((m) => m.maxRssKb)) / median(b.map((m) => m.maxRssKb));
        console.log(`${cli.label} vs ${first?.label}, ${int(size)} items: ${speed.toFixed(2)}× the items/s (whole run), ${perCpu.toFixed(2)}× the items per CPU-second, ${memory.toFixed(2)}× less peak RSS.`);
      }
    }
  }
}

async function rateLimited(rpm: number, items: number): Promise<void> {
  const { startModelApi } = await import('../test/fakes/model-api.ts');
  const cli = clis[0] as Cli;
  const api = await startModelApi({ rateLimit: { requests: rpm, windowMs: 60_000 }, chat: (request) => `answer to ${request.text.slice(-20)}` });
  try {
    writeFileSync(
      join(dir, 'rate.eval.json'),
      JSON.stringify({
        name: 'Rate',
        data_source_config: { type: 'custom', item_schema: { type: 'object' } },
        testing_criteria: [{ type: 'string_check', name: 'answered', input: '{{sample.output_text}}', reference: 'answer', operation: 'like' }],
      }),
    );
    writeFileSync(
      join(dir, 'rate.source.json'),
      JSON.stringify({ type: 'completions', input_messages: { type: 'template', template: [{ role: 'user', content: '{{item.question}}' }] } }),
    );
    await writeRows(join(dir, 'rate.jsonl'), items, (index) => ({ question: `question ${index}` }));
    process.stderr.write(`rate-limited run (${cli.label}, ${int(items)} items at ${rpm} requests/minute)…\n`);
    const m = await runOnce(
      cli,
      ['run', '--eval-file', 'rate.eval.json', '--data-source', 'rate.source.json', '--data-file', 'rate.jsonl', '--model', 'gpt-bench', '--model-base-url', api.baseURL, '--concurrency', concurrency, '--threshold', '0', '--json'],
      { OPENAI_API_KEY: api.apiKey },
    );
    checked(m, 'the rate-limited run', null);
    const stats = api.stats();
    // The bucket starts full: `rpm` requests may go at once, then `rpm` a minute refill it. So over T
    // seconds at most rpm + rpm·T/60 requests can be answered; what came beyond the first bucketful,
    // against rpm·T/60, is the rate achieved as a fraction of the limit.
    const answered = api.requests.filter((request) => request.outcome === 'accepted').map((request) => request.at);
    const first = Math.min(...api.requests.map((request) => request.at));
    const spanSeconds = (Math.max(...answered) - first) / 1000;
    const refill = (rpm * spanSeconds) / 60;
    console.log(`\ncompletions source against a model endpoint limited to ${rpm} requests/minute, concurrency ${concurrency} (${cli.label})`);
    console.log(`  items            ${int(items)} (exit code ${m.code}, wall time ${(m.wallMs / 1000).toFixed(1)} s, peak RSS ${MB(m.maxRssKb)})`);
    console.log(`  requests         ${stats.total} (${stats.accepted} answered, ${stats.refused} refused with 429: ${((stats.refused / Math.max(1, stats.total)) * 100).toFixed(1)}%)`);
    if (stats.accepted > rpm) {
      console.log(`  after the burst  ${stats.accepted - rpm} answered in ${spanSeconds.toFixed(1)} s, while the limit refilled ${refill.toFixed(0)}`);
      console.log(`  achieved rate    ${(((stats.accepted - rpm) / refill) * 100).toFixed(1)}% of the limit`);
    } else {
      console.log('  the limit was never reached: raise --rate-items above --rpm');
    }
  } finally {
    await api.close();
  }
}

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')} at start.`);
console.log(`CLIs: ${clis.map((cli) => `${cli.label} = ${[...cli.nodeFlags, cli.script].join(' ')}`).join('; ')}`);
try {
  if (values.skip !== 'throughput') await throughput();
  if (values.skip !== 'rate') await rateLimited(Number(values.rpm), Number(values['rate-items']));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
