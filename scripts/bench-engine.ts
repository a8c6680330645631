// The local engine's speed, measured (not part of the tests).
//
//   npm run bench:engine                                    # both measurements, default sizes
//   npm run bench:engine -- --items 100000                  # the pre-generated case at 100,000 items
//   npm run bench:engine -- --rpm 1200 --rate-items 2400    # the rate-limited case at another limit
//
// 1. Throughput: a JSONL file of pre-generated samples (`--items`, default 10,000) graded by two
//    string_check and three text_similarity graders (fuzzy_match, bleu, rouge_l), run through the whole
//    CLI path (`evals-gate run`: settings, the local engine, start → wait → collect, analysis, report).
//    Prints items/s and the peak resident memory sampled while it ran.
// 2. Rate limits: a completions data source (`--rate-items`, default 1,200 items, one model call each)
//    against the loopback model fake limited to `--rpm` requests per minute (default 600; a token bucket
//    that starts full, as OpenAI's do). Past the first bucketful the engine can go no faster than the
//    limit; the script prints the rate it achieved there as a fraction of the limit, and how many
//    requests were refused (429) on the way.
import './ts-resolve-hook.ts';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    rpm: { type: 'string', default: '600' },
    'rate-items': { type: 'string', default: '1200' },
    concurrency: { type: 'string', default: '8' },
    skip: { type: 'string', default: '' },
  },
});
const { runCli } = await import('../src/cli/main.ts');
const { startModelApi } = await import('../test/fakes/model-api.ts');

const dir = mkdtempSync(join(tmpdir(), 'evals-gate-bench-'));
const quiet = { stdout: () => undefined, stderr: () => undefined, env: { ...process.env, GITHUB_WORKSPACE: dir }, cwd: dir, isTTY: false };

function peakMemory(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function writeRows(path: string, count: number, row: (index: number) => unknown): Promise<void> {
  const out = createWriteStream(path);
  for (let index = 0; index < count; index++) {
    if (!out.write(`${JSON.stringify(row(index))}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

const ANSWERS = [
  'You can return any item within 30 days of delivery for a full refund to the original payment method.',
  'Standard shipping takes three to five business days; express shipping arrives the next business day.',
  'Gift wrapping is available at checkout for five dollars per item, with a handwritten card included.',
];

async function throughput(items: number): Promise<void> {
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
  await writeRows(join(dir, 'bench.jsonl'), items, (index) => {
    const expected = ANSWERS[index % ANSWERS.length] ?? '';
    // One answer in five is reworded, so graders disagree and failing items are collected too.
    const output = index % 5 === 0 ? expected.split(' ').reverse().join(' ') : expected;
    return { item: { question: `question ${index}`, expected, term: expected.split(' ')[3] }, sample: { output_text: output } };
  });
  const memory = peakMemory();
  const started = performance.now();
  const code = await runCli(['run', '--eval-file', 'bench.eval.json', '--data-file', 'bench.jsonl', '--threshold', '0', '--concurrency', values.concurrency ?? '8', '--json'], quiet);
  const seconds = (performance.now() - started) / 1000;
  const peak = memory.stop();
  console.log(`\npre-generated samples, 5 graders (2 string_check, fuzzy_match, bleu, rouge_l), concurrency ${values.concurrency}`);
  console.log(`  items            ${items.toLocaleString('en')}`);
  console.log(`  exit code        ${code}`);
  console.log(`  wall time        ${seconds.toFixed(2)} s (the whole CLI run: engine, polling, collection, report)`);
  console.log(`  throughput       ${Math.round(items / seconds).toLocaleString('en')} items/s`);
  console.log(`  peak RSS         ${mb(peak)} (this process, Node and the bundle's modules included)`);
}

async function rateLimited(rpm: number, items: number): Promise<void> {
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
    const started = performance.now();
    const code = await runCli(
      ['run', '--eval-file', 'rate.eval.json', '--data-source', 'rate.source.json', '--data-file', 'rate.jsonl', '--model', 'gpt-bench', '--model-base-url', api.baseURL, '--model-api-key', api.apiKey, '--concurrency', values.concurrency ?? '8', '--threshold', '0', '--json'],
      quiet,
    );
    const seconds = (performance.now() - started) / 1000;
    const stats = api.stats();
    // The bucket starts full: `rpm` requests may go at once, then `rpm` a minute refill it. So over T
    // seconds at most rpm + rpm·T/60 requests can be answered; what came beyond the first bucketful,
    // against rpm·T/60, is the rate achieved as a fraction of the limit.
    const answered = api.requests.filter((request) => request.outcome === 'accepted').map((request) => request.at);
    const first = Math.min(...api.requests.map((request) => request.at));
    const spanSeconds = (Math.max(...answered) - first) / 1000;
    const refill = (rpm * spanSeconds) / 60;
    console.log(`\ncompletions source against a model endpoint limited to ${rpm} requests/minute, concurrency ${values.concurrency}`);
    console.log(`  items            ${items.toLocaleString('en')} (exit code ${code}, wall time ${seconds.toFixed(1)} s)`);
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

try {
  if (values.skip !== 'throughput') await throughput(Number(values.items));
  if (values.skip !== 'rate') await rateLimited(Number(values.rpm), Number(values['rate-items']));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
