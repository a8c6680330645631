// What keeping and reading run history costs, measured (not part of the tests).
//
//   npm run bench:history                    # a record of 100,000 items
//   npm run bench:history -- --items 20000
//
// Builds the record of a run with `--items` items and two criteria (one item in 7 failing), writes it,
// uploads it through the real @actions/artifact to the loopback results service fake, then finds it
// as a later pull request run does (REST listing, zip redirect, blob download, streamed parse) through
// src/github/artifacts.ts and src/history/. Prints the record's size, the time of each step, the peak
// resident memory while parsing, and how many requests each side took.
import './ts-resolve-hook.ts';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { items: { type: 'string', default: '100000' } } });
const count = Number(values.items);
if (!Number.isSafeInteger(count) || count < 1) throw new Error('--items must be a positive integer');

const { RecordItems } = await import('../src/history/record-items.ts');
const { recordHeader, recordLines } = await import('../src/history/write-record.ts');
const { readRecord } = await import('../src/history/read-record.ts');
const { ArtifactListing, findBaselineRecord } = await import('../src/history/find-records.ts');
const { RepositoryArtifacts } = await import('../src/github/artifacts.ts');
const { uploadRecord } = await import('../src/action/upload-record.ts');
const { startActionsResults } = await import('../test/fakes/actions-results.ts');
const { FAKE_GITHUB_TOKEN, startGitHubApi } = await import('../test/fakes/github-api.ts');

const dir = mkdtempSync(join(tmpdir(), 'evals-gate-bench-history-'));
const rows: [string, string][] = [];
const timed = async <T>(label: string, work: () => Promise<T> | T): Promise<T> => {
  const started = performance.now();
  const value = await work();
  rows.push([label, `${((performance.now() - started) / 1000).toFixed(2)} s`]);
  return value;
};

function peakMemory(): { stop(): number } {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) - start;
    },
  };
}

/** @actions/artifact logs to stdout through @actions/core: keep the figures readable. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

const items = await timed(`collect ${count.toLocaleString('en-US')} items`, () => {
  const collected = new RecordItems();
  for (let i = 0; i < count; i++) {
    const passed = i % 7 !== 0;
    collected.add({
      id: `outputitem_${i}`,
      datasourceItemId: String(i),
      contentHash: (i * 2654435761).toString(16).padStart(16, '0').slice(-16),
      outcome: passed ? 'pass' : 'fail',
      input: null,
      expected: null,
      output: null,
      error: null,
      grades: [
        { name: 'Exact answer', type: 'string_check', metric: null, passed, score: null, threshold: null, label: null, reason: null },
        { name: 'Mentions the key term', type: 'string_check', metric: null, passed: passed || i % 2 === 0, score: null, threshold: null, label: null, reason: null },
      ],
    });
  }
  return collected;
});

const passed = items.items.filter((item) => item.outcome === 'pass').length;
const header = recordHeader(
  {
    gateKey: 'support',
    repository: 'octo-org/octo-repo',
    event: 'push',
    ref: 'refs/heads/main',
    branch: 'main',
    sha: 'a'.repeat(40),
    pr: null,
    workflowRunId: '0',
    workflowRunAttempt: 1,
    createdAt: new Date(),
    engine: 'local',
    evalId: 'eval_local_bench',
    evalName: 'Support answers',
    definitionFingerprint: null,
    runId: 'evalrun_bench',
    runName: 'main · aaaaaaa',
    datasetKind: 'jsonl',
    counts: { total: count, passed, failed: count - passed, errored: 0, skipped: 0 },
    score: passed / count,
    threshold: 0.8,
    verdict: 'pass',
    criteria: [],
  },
  items,
);

const results = await startActionsResults();
const github = await startGitHubApi({ artifacts: results });
const run = results.registerRun({ owner: 'octo-org', repo: 'octo-repo', repositoryId: 5001, id: 4242 });
header.workflow_run.id = String(run.id);
header.sha = run.headSha;
Object.assign(process.env, { ACTIONS_RUNTIME_TOKEN: results.runtimeToken(run), ACTIONS_RESULTS_URL: results.url, RUNNER_TEMP: dir, GITHUB_SERVER_URL: 'https://github.com' });
const name = 'evals-gate-support-bench.jsonl';

const path = join(dir, 'record.jsonl');
await timed('serialize and write the record', () => writeFileSync(path, [...recordLines(header, items.padded())].join('')));

const memory = peakMemory();
const parsed = await timed('parse it back (streamed from the file)', () => readRecord(createReadStream(path), { source: 'bench' }));
const parseMemory = memory.stop();
if (parsed.kind !== 'record' || parsed.record.items.length !== count) throw new Error('the record did not read back');

const uploaded = await timed('upload (@actions/artifact → results fake)', () => quietly(() => uploadRecord(name, recordLines(header, items.padded()))));
if (uploaded.kind !== 'uploaded') throw new Error(uploaded.warning);
const uploadRequests = results.requests.length;

results.requests.length = 0;
const source = new RepositoryArtifacts({ token: FAKE_GITHUB_TOKEN, apiUrl: github.url, owner: 'octo-org', repo: 'octo-repo' });
const found = await timed('find and read it as a PR run does', () =>
  findBaselineRecord(source, new ArtifactListing(source, name), {
    gateKey: 'support',
    repository: 'octo-org/octo-repo',
    repositoryId: 5001,
    branch: 'main',
    datasetKind: 'jsonl',
    preferSha: null,
    excludeRunId: null,
  }),
);
if (found.kind !== 'found' || found.record.items.length !== count) throw new Error(`the baseline was not found: ${JSON.stringify(found)}`);

const stored = results.store.byId(uploaded.id);
rows.unshift(['record size', `${((stored?.content?.length ?? 0) / 1024 / 1024).toFixed(2)} MiB (${Math.round((stored?.content?.length ?? 0) / count)} bytes an item)`]);
rows.push(['peak RSS growth while parsing', `${(parseMemory / 1024 / 1024).toFixed(0)} MiB`]);
rows.push(['requests to upload', `${uploadRequests} (results service and blob host)`]);
rows.push(['requests to find it', `${github.requests.length} GitHub REST (${github.requests.map((request) => request.path.replace(/.*\/actions\//, '')).join(', ')}), ${results.requests.length} blob`]);

await results.close();
await github.close();
rmSync(dir, { recursive: true, force: true });

const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
