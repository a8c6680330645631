// What the gate reads of a run's output items, through the real SDK against the Evals API fake, by
// the requests the fake counts: the failing list only when the run object has the rest, every item
// (or the passing list too) when it does not, and a log line saying which lists and why.
import { describe, expect, it } from 'vitest';
import { analyseRun } from '../../../src/analysis/analyse-run.ts';
import { ItemTally } from '../../../src/analysis/item-tally.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { collectOutputItems } from '../../../src/evals-api/collect-items.ts';
import { toRunSnapshot } from '../../../src/evals-api/records.ts';
import type { RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { listSize, type Pairing, RunItemReader } from '../../../src/gate/read-items.ts';
import type { FakeEvalsApi, ScriptedPlan, TestingCriterion } from '../../fakes/evals-api.ts';
import { evalsEndpoint, exactCriterion, instant, useEvalsFake } from '../../support/evals-fake-setup.ts';

const openai = useEvalsFake();
const azure = useEvalsFake({ flavor: 'azure', progress: instant });

function clientFor(f: FakeEvalsApi): EvalsClient {
  return createEvalsClient(evalsEndpoint(f));
}

/** A completed run of a scripted eval, as the gate sees it when it has finished waiting. */
async function completedRun(f: FakeEvalsApi, client: EvalsClient, plan: ScriptedPlan, criteria: TestingCriterion[] = [exactCriterion('Exact match'), exactCriterion('Also exact')]) {
  const evalId = f.addEval({ name: 'scripted', testing_criteria: criteria, plan, progress: instant });
  const created = await client.evals.runs.create(evalId, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } });
  const run = toRunSnapshot(await client.evals.runs.retrieve(created.id, { eval_id: evalId }));
  expect(run.status).toBe('completed');
  return run;
}

function readerFor(f: FakeEvalsApi, client: EvalsClient) {
  const log: string[] = [];
  const reader = new RunItemReader(
    (run, status, onRecord, keepReading) =>
      collectOutputItems(
        client,
        {
          evalId: run.evalId,
          runId: run.id,
          baseURL: f.url,
          expectedTotal: listSize(run, status),
          status,
          keepReading,
        },
        onRecord,
      ),
    (line) => log.push(line),
  );
  return { reader, log };
}

/** The item-list requests of one run, as `status` query values (`all` for no filter). */
function listsRead(f: FakeEvalsApi, runId: string): string[] {
  return f.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/runs/${runId}/output_items`)).map((r) => r.query.status ?? 'all');
}

function analyse(run: RunSnapshot, tally: ItemTally, baseline?: { run: RunSnapshot; tally: ItemTally; sameDataset: boolean }) {
  return analyseRun({
    evalId: run.evalId,
    run,
    status: 'completed',
    tally,
    threshold: 0.5,
    criteriaThresholds: [],
    timeoutMs: 60_000,
    durationMs: 1,
    workflowRunUrl: null,
    baseline: baseline ? { ...baseline, branch: 'main', label: 'vs main' } : null,
  });
}

async function readEverything(f: FakeEvalsApi, client: EvalsClient, run: RunSnapshot): Promise<ItemTally> {
  const tally = new ItemTally();
  await collectOutputItems(client, { evalId: run.evalId, runId: run.id, baseURL: f.url, expectedTotal: run.resultCounts.total }, (record) => tally.add(record));
  return tally;
}

describe('the items a gate reads of a run', () => {
  it('100,000 items, 20% failing, no baseline: the failing list alone, 200 requests of 100 with status=fail', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 100_000, failing: 19_000, errored: 1_000 });
    const { reader, log } = readerFor(f, client);

    const tally = await reader.read(run, 'none', 'run');

    const pages = f.requests.filter((r) => r.path.endsWith('/output_items'));
    expect(pages).toHaveLength(200);
    for (const page of pages) expect(page.query).toMatchObject({ status: 'fail', limit: '100', order: 'asc' });
    expect(tally.coverage).toBe('failing');
    expect(tally.counts).toMatchObject({ total: 20_000, failed: 19_000, errored: 1_000, passed: 0 });
    expect(log).toEqual([`Read the failing output items of run ${run.id} (status=fail): 20,000 items in 200 pages; its result_counts and per-criterion results give the rest.`]);
    const result = analyse(run, tally);
    expect(result.counts).toEqual({ total: 100_000, passed: 80_000, failed: 19_000, errored: 1_000, skipped: 0 });
    expect(result.score).toBe(0.8);
    expect(result.criteria.map((c) => [c.name, c.passed, c.failed])).toEqual([
      ['Exact match', 89_500, 9_500],
      ['Also exact', 89_500, 9_500],
    ]);
    expect(result.failingItems).toHaveLength(5000);
    expect(result.failingItemsOmitted).toBe(15_000);
  });

  it('with a baseline on the same rows: both failing lists, 390 requests for 100,000 items at 20% and 19% failing', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 100_000, failing: 20_000, errored: 0 });
    const previous = await completedRun(f, client, { items: 100_000, failing: 19_000, errored: 0 });
    const { reader } = readerFor(f, client);

    const [tally, baselineTally] = await Promise.all([reader.read(run, 'id', 'run'), reader.read(previous, 'id', 'baseline run')]);

    expect(listsRead(f, run.id)).toEqual(Array(200).fill('fail'));
    expect(listsRead(f, previous.id)).toEqual(Array(190).fill('fail'));
    const compared = analyse(run, tally, { run: previous, tally: baselineTally, sameDataset: true }).baseline!;
    expect(compared.comparison).toMatchObject({ pairedBy: 'id', paired: 100_000, added: 0, removed: 0, skippedPairs: 0 });
    expect(compared.comparison.mcnemar).toMatchObject({ regressions: 16_000, fixes: 15_000 });
  }, 60_000);

  it('with a baseline on the same rows, the failing lists give the comparison that every item gives', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 5_000, failing: 900, errored: 100 });
    const previous = await completedRun(f, client, { items: 5_000, failing: 800, errored: 150 });
    const { reader } = readerFor(f, client);

    const [tally, baselineTally] = await Promise.all([reader.read(run, 'id', 'run'), reader.read(previous, 'id', 'baseline run')]);
    const compared = analyse(run, tally, { run: previous, tally: baselineTally, sameDataset: true }).baseline!;
    const full = analyse(run, await readEverything(f, client, run), { run: previous, tally: await readEverything(f, client, previous), sameDataset: true }).baseline!;

    expect(compared.comparison.mcnemar).toEqual(full.comparison.mcnemar);
    expect(compared.comparison.mcnemar.regressions).toBeGreaterThan(0);
    expect(compared.comparison.regressions.map((change) => change.id)).toEqual(full.comparison.regressions.map((change) => change.id));
    expect(compared.comparison.fixes.map((change) => change.id)).toEqual(full.comparison.fixes.map((change) => change.id));
    expect(compared.regressed).toEqual(full.regressed);
    expect(compared.fixed).toEqual(full.fixed);
  });

  it('with a baseline on other rows: every item of both, since items pair by content', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 500, failing: 100, errored: 0 });
    const previous = await completedRun(f, client, { items: 400, failing: 50, errored: 0 });
    const { reader, log } = readerFor(f, client);

    const [tally, baselineTally] = await Promise.all([reader.read(run, 'content', 'run'), reader.read(previous, 'content', 'baseline run')]);

    expect(listsRead(f, run.id)).toEqual(Array(5).fill('all'));
    expect(listsRead(f, previous.id)).toEqual(Array(4).fill('all'));
    expect([tally.coverage, baselineTally.coverage]).toEqual(['all', 'all']);
    expect(log).toContain(`Read every output item of run ${run.id}: 500 items in 5 pages, because the baseline evaluated other rows, so items pair by content, which needs every item of both runs.`);
    expect(analyse(run, tally, { run: previous, tally: baselineTally, sameDataset: false }).baseline?.comparison.pairedBy).toBe('content');
  });

  it('reads the passing items too when the failing list does not hold what result_counts count, and then counts from the items', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 300, failing: 30, errored: 0 });
    // A server whose counts are off by one from its own items.
    const skewed: RunSnapshot = { ...run, resultCounts: { ...run.resultCounts, passed: 269, failed: 31 } };
    const { reader, log } = readerFor(f, client);

    const tally = await reader.read(skewed, 'none', 'run');

    expect(listsRead(f, run.id)).toEqual(['fail', 'pass', 'pass', 'pass']);
    expect(tally.coverage).toBe('all');
    expect(log[1]).toBe(
      `Read the passing output items of run ${run.id} too (status=pass): 270 items in 3 pages, because its failing list held 30 items but its result_counts count 31 failed or errored, so the counts come from every item.`,
    );
    const result = analyse(skewed, tally);
    expect(result.counts).toMatchObject({ total: 300, passed: 270, failed: 30 });
    expect(result.countsNote).toMatch(/result_counts say 300 total \(269 passed, 31 failed/);
  });

  it('reads every item when the result_counts do not add up, or the run has no per-criterion results', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 150, failing: 30, errored: 0 });
    const { reader, log } = readerFor(f, client);

    await reader.read({ ...run, resultCounts: { ...run.resultCounts, total: 151 } }, 'none', 'run');
    await reader.read({ ...run, perCriterion: [] }, 'none', 'run');

    expect(listsRead(f, run.id)).toEqual(['all', 'all', 'all', 'all']);
    expect(log[0]).toMatch(/because its result_counts do not add up \(151 total, 120 passed, 30 failed, 0 errored, 0 skipped\)/);
    expect(log[1]).toMatch(/because the run has no per-criterion results, so they come from the items\.$/);
  });

  it('with no failing item to show the grades: one page of passing items, to see that no grader has several metrics', async () => {
    const f = await openai();
    const client = clientFor(f);
    const run = await completedRun(f, client, { items: 350, failing: 0, errored: 0 });
    const { reader, log } = readerFor(f, client);

    const tally = await reader.read(run, 'none', 'run');

    expect(listsRead(f, run.id)).toEqual(['fail', 'pass']);
    expect(log[1]).toBe(`Read one page of the passing output items of run ${run.id} (100 items in 1 page): no grader reports several metrics.`);
    const result = analyse(run, tally);
    expect(result.counts).toMatchObject({ total: 350, passed: 350 });
    expect(result.criteria.map((c) => c.passed)).toEqual([350, 350]);
  });
});

describe('on Azure, whose graders may report several metrics and skip items', () => {
  const criteria: TestingCriterion[] = [
    { type: 'azure_ai_evaluator', name: 'qa', evaluator_name: 'builtin.qa' },
    { type: 'azure_ai_evaluator', name: 'violence', evaluator_name: 'builtin.violence' },
  ];

  async function azureRun(f: FakeEvalsApi, plan: ScriptedPlan) {
    const client = createEvalsClient(evalsEndpoint(f));
    return { client, run: await completedRun(f, client, plan, criteria) };
  }

  it('reads the passing items too when the failing ones show a grader with several metrics: per-metric rates need every item', async () => {
    const f = await azure();
    const { client, run } = await azureRun(f, { items: 250, failing: 40, errored: 10, metrics: { qa: ['coherence', 'fluency'], violence: ['violence'] } });
    const { reader, log } = readerFor(f, client);

    const tally = await reader.read(run, 'none', 'run');

    expect(listsRead(f, run.id)).toEqual(['fail', 'pass', 'pass']);
    expect(log[1]).toMatch(/too \(status=pass\): 200 items in 2 pages, because a grader reports several metrics, and their rates need every item\.$/);
    const result = analyse(run, tally);
    expect(result.criteria.map((c) => c.name)).toEqual(['qa/coherence', 'qa/fluency', 'violence']);
    const full = analyse(run, await readEverything(f, client, run));
    expect(result.criteria).toEqual(full.criteria);
    expect(result.counts).toEqual(full.counts);
  });

  it('with none failing, finds the metrics on the first page of passing items and reads the rest', async () => {
    const f = await azure();
    const { client, run } = await azureRun(f, { items: 250, failing: 0, errored: 0, metrics: { qa: ['coherence', 'fluency'], violence: ['violence'] } });
    const { reader } = readerFor(f, client);

    const tally = await reader.read(run, 'none', 'run');

    // The page that showed the metrics is read again with the rest: one request more than the list.
    expect(listsRead(f, run.id)).toEqual(['fail', 'pass', 'pass', 'pass', 'pass']);
    expect(analyse(run, tally).criteria.map((c) => [c.name, c.passed])).toEqual([
      ['qa/coherence', 250],
      ['qa/fluency', 250],
      ['violence', 250],
    ]);
  });

  it('skipped items: the failing list does for the counts, but pairing needs every item (skipped ones are in neither list)', async () => {
    const f = await azure();
    const { client, run } = await azureRun(f, { items: 120, failing: 12, errored: 0, skipped: 6 });
    const { reader, log } = readerFor(f, client);

    const alone = await reader.read(run, 'none', 'run');
    expect(listsRead(f, run.id)).toEqual(['fail']);
    expect(analyse(run, alone).counts).toEqual({ total: 120, passed: 102, failed: 12, errored: 0, skipped: 6 });

    const paired = await reader.read(run, 'id' satisfies Pairing, 'run');
    expect(listsRead(f, run.id)).toEqual(['fail', 'all', 'all']);
    expect(paired.counts.skipped).toBe(6);
    expect(log[1]).toMatch(/because 6 items were skipped, and skipped items are in neither the failing nor the passing list\.$/);
  });
});
