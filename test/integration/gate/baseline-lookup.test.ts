// lookUpBaseline and checkBaselineRun against the loopback Evals API fake: which earlier run of the gate a
// run is compared with (auto on the base branch, the previous run of a push, an explicit run id, none),
// what is reported when there is none, and the trend points of push runs. The earlier runs are made with
// the metadata readSettings writes for their git context, as the gate makes them.
import { describe, expect, it } from 'vitest';
import { ItemTally } from '../../../src/analysis/item-tally.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { collectOutputItems } from '../../../src/evals-api/collect-items.ts';
import type { GateRun } from '../../../src/evals-api/gate-runs.ts';
import { toRunSnapshot } from '../../../src/evals-api/records.ts';
import type { RunSnapshot } from '../../../src/evals-api/run-types.ts';
import { checkBaselineRun, lookUpBaseline, type BaselineLookup } from '../../../src/gate/baseline-lookup.ts';
import type { GitContext } from '../../../src/github/context.ts';
import { InputError } from '../../../src/settings/input-error.ts';
import type { Settings } from '../../../src/settings/settings.ts';
import type { FakeEvalsApi, JsonlRow } from '../../fakes/evals-api.ts';
import { exactCriterion, instant, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { answers, EIGHT_OF_TEN, settingsFor, useTempDirs, writeJsonl } from '../../support/gate-setup.ts';
import { LOCAL_GIT, PR_GIT, PUSH_GIT } from '../../support/git-context.ts';
import { expectRejection } from '../../support/rejection.ts';

const start = useEvalsFake({ progress: instant });

/**
 * The lookup's `readItems`: every item of the chosen baseline (what the gate reads of it is
 * test/integration/gate/read-items.test.ts's), with a line for the log.
 */
function readEveryItem(client: EvalsClient, baseURL: string, log: (line: string) => void) {
  return async (found: GateRun): Promise<ItemTally> => {
    const tally = new ItemTally();
    const { run } = found;
    const stats = await collectOutputItems(client, { evalId: run.evalId, runId: run.id, baseURL, expectedTotal: run.resultCounts.total }, (record) => tally.add(record));
    log(`Read ${stats.items} output items of baseline run ${run.id} in ${stats.pages} pages.`);
    return tally;
  };
}
const tempDir = useTempDirs('baseline-test-');

interface World {
  fake: FakeEvalsApi;
  evalId: string;
  client: EvalsClient;
  /** The settings a job in `git` reads, over the fake's eval and endpoint, on `rows`. */
  settings(git: GitContext, inputs?: Record<string, string>, rows?: JsonlRow[]): Settings;
  /** A completed run of the gate as a job in `git` makes it. */
  run(git: GitContext, inputs?: Record<string, string>, rows?: JsonlRow[]): Promise<RunSnapshot>;
  /** lookUpBaseline for the job in `git` whose run is `current`, and the lines it logged. */
  lookUp(git: GitContext, current: RunSnapshot, inputs?: Record<string, string>, rows?: JsonlRow[]): Promise<BaselineLookup & { logged: string[] }>;
}

async function world(): Promise<World> {
  const fake = await start();
  const evalId = fake.addEval({ name: 'Support answers', testing_criteria: [exactCriterion('Exact match')] });
  // The comment key is the eval id unless given: every job below is the same gate.
  const settings = (git: GitContext, inputs: Record<string, string> = {}, rows: JsonlRow[] = EIGHT_OF_TEN) => {
    const workspace = tempDir();
    writeJsonl(workspace, 'data.jsonl', rows);
    return settingsFor(git, { 'eval-id': evalId, 'api-key': fake.apiKey, 'base-url': fake.url, 'data-file': 'data.jsonl', threshold: '75%', ...inputs }, workspace);
  };
  const client = createEvalsClient(settings(PR_GIT).endpoint);
  const run = async (git: GitContext, inputs: Record<string, string> = {}, rows: JsonlRow[] = EIGHT_OF_TEN) => {
    const s = settings(git, inputs, rows);
    const created = await client.evals.runs.create(evalId, { name: s.runName, metadata: s.metadata, data_source: s.dataSource as never });
    // Under `instant` progress the first poll completes it.
    const polled = toRunSnapshot(await client.evals.runs.retrieve(created.id, { eval_id: evalId }));
    expect(polled.status).toBe('completed');
    return polled;
  };
  const lookUp = async (git: GitContext, current: RunSnapshot, inputs: Record<string, string> = {}, rows: JsonlRow[] = EIGHT_OF_TEN) => {
    const logged: string[] = [];
    const log = (line: string) => logged.push(line);
    const found = await lookUpBaseline(client, { settings: settings(git, inputs, rows), git, run: current, explicit: null, baseURL: fake.url, log, readItems: readEveryItem(client, fake.url, log) });
    return { ...found, logged };
  };
  return { fake, evalId, client, settings, run, lookUp };
}

const NINE_OF_TEN = answers(10, [5]);
const SCHEDULE_GIT: GitContext = { ...PUSH_GIT, eventName: 'schedule' };

const itemReads = (fake: FakeEvalsApi, runId: string) => fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/runs/${runId}/output_items`));

describe('baseline: auto', () => {
  it('on a pull request: the newest completed run of this gate on the base branch, its items read', async () => {
    const w = await world();
    const older = await w.run(PUSH_GIT, {}, NINE_OF_TEN);
    const newest = await w.run(PUSH_GIT);
    // Runs that are not baselines of this gate on main, all newer than `newest`:
    await w.run({ ...PR_GIT, branch: 'main' }); // made by a pull request whose branch is called main
    await w.run(PUSH_GIT, { 'comment-key': 'another gate' });
    await w.run({ ...PUSH_GIT, branch: 'release', ref: 'refs/heads/release', refName: 'release' });
    const current = await w.run(PR_GIT);

    const found = await w.lookUp(PR_GIT, current);

    expect(found.note).toBeNull();
    expect(found.history).toBeNull();
    expect(found.baseline).not.toBeNull();
    const baseline = found.baseline!;
    expect(baseline.run.id).toBe(newest.id);
    expect(baseline).toMatchObject({ label: 'vs main', branch: 'main', sameDataset: true });
    expect(baseline.tally.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(found.logged).toEqual([`Read 10 output items of baseline run ${newest.id} in 1 pages.`]);
    expect(itemReads(w.fake, older.id)).toEqual([]);
  });

  it('pairs by dataset: the same items answered differently are the same dataset, other items are not', async () => {
    const w = await world();
    const sameItems = await w.run(PUSH_GIT, {}, NINE_OF_TEN);
    const current = await w.run(PR_GIT);
    const same = await w.lookUp(PR_GIT, current);
    expect(same.baseline?.run.id).toBe(sameItems.id);
    expect(same.baseline?.sameDataset).toBe(true);
    expect(same.baseline?.tally.counts.passed).toBe(9);

    const otherItems = await w.run(PUSH_GIT, {}, answers(12));
    const other = await w.lookUp(PR_GIT, current);
    expect(other.baseline?.run.id).toBe(otherItems.id);
    expect(other.baseline?.sameDataset).toBe(false);
    expect(other.baseline?.tally.counts).toMatchObject({ total: 12, passed: 12 });
  });

  it('on a push: the previous run of the branch, never the current one, with the trend oldest first', async () => {
    const w = await world();
    const first = await w.run(PUSH_GIT, {}, answers(10, [1, 2, 3, 4])); // 60%: below today's 75%
    const second = await w.run(PUSH_GIT, {}, NINE_OF_TEN); // 90%
    const current = await w.run(PUSH_GIT);

    const found = await w.lookUp(PUSH_GIT, current);

    expect(found.baseline?.run.id).toBe(second.id);
    expect(found.baseline?.label).toBe('vs the previous run');
    expect(found.history?.map((point) => [point.runId, point.score, point.status])).toEqual([
      [first.id, 0.6, 'fail'],
      [second.id, 0.9, 'pass'],
    ]);
    expect(found.history?.[0]?.url).toBe(first.reportUrl);
    expect(found.history?.[0]?.label).toContain(PUSH_GIT.shortSha);
  });

  it('history: N keeps the N − 1 most recent earlier runs (the current one is the last point)', async () => {
    const w = await world();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await w.run(SCHEDULE_GIT));
    const current = await w.run(SCHEDULE_GIT);

    const found = await w.lookUp(SCHEDULE_GIT, current, { history: '3' });

    expect(found.history?.map((point) => point.runId)).toEqual([runs[2]!.id, runs[3]!.id]);
    expect(found.baseline?.run.id).toBe(runs[3]!.id);
  });

  it('history: 0 shows no trend; a pull request shows none either', async () => {
    const w = await world();
    await w.run(PUSH_GIT);
    const current = await w.run(PUSH_GIT);

    expect((await w.lookUp(PUSH_GIT, current, { history: '0' })).history).toBeNull();
    expect((await w.lookUp(PR_GIT, await w.run(PR_GIT), { history: '5' })).history).toBeNull();
  });

  it('no earlier run of the gate on the branch: no baseline, and a note that says what was searched', async () => {
    const w = await world();
    await w.run(PUSH_GIT, { 'comment-key': 'another gate' });
    const current = await w.run(PR_GIT);

    const found = await w.lookUp(PR_GIT, current);

    expect(found.baseline).toBeNull();
    expect(found.note).toBe(
      `No baseline: no completed run of this gate (comment key "${w.evalId}", jsonl data) on main among the eval's most recent runs (up to 1,000 are searched). The gate judged the run alone.`,
    );
  });

  it('no baseline-ref (not on a branch, none given): no baseline, and nothing is listed', async () => {
    const w = await world();
    await w.run(PUSH_GIT);
    const current = await w.run(LOCAL_GIT);
    const listed = w.fake.requests.length;

    const found = await w.lookUp(LOCAL_GIT, current);

    expect(found).toEqual({
      baseline: null,
      note: 'No baseline: this run is not on a branch and baseline-ref is empty. The gate judged the run alone.',
      history: null,
      logged: [],
    });
    expect(w.fake.requests.slice(listed)).toEqual([]);
  });

  it('baseline-ref names the branch to compare with', async () => {
    const w = await world();
    const release = await w.run({ ...PUSH_GIT, branch: 'release/2.0', ref: 'refs/heads/release/2.0', refName: 'release/2.0' });
    await w.run(PUSH_GIT);
    const current = await w.run(PR_GIT);

    const found = await w.lookUp(PR_GIT, current, { 'baseline-ref': 'release/2.0' });

    expect(found.baseline?.run.id).toBe(release.id);
    expect(found.baseline?.label).toBe('vs release/2.0');
  });
});

describe('baseline: none', () => {
  it('compares with nothing and reads no other run', async () => {
    const w = await world();
    const earlier = await w.run(PUSH_GIT);
    const current = await w.run(PR_GIT);

    const found = await w.lookUp(PR_GIT, current, { baseline: 'none' });

    expect(found.baseline).toBeNull();
    expect(found.note).toBe('Not compared with a baseline (baseline: none).');
    expect(itemReads(w.fake, earlier.id)).toEqual([]);
  });
});

describe('baseline: a run id', () => {
  it('checkBaselineRun reads the run; lookUpBaseline compares with it, named by its name', async () => {
    const w = await world();
    const named = await w.run({ ...PUSH_GIT, branch: 'experiment' }, { 'run-name': 'the good one' }, answers(12, [5]));
    await w.run(PUSH_GIT);
    const current = await w.run(PR_GIT);

    const explicit = await checkBaselineRun(w.client, { evalId: w.evalId, runId: named.id, baseURL: w.fake.url });
    expect(explicit.run.id).toBe(named.id);
    const found = await lookUpBaseline(w.client, {
      settings: w.settings(PR_GIT, { baseline: named.id }),
      git: PR_GIT,
      run: current,
      explicit,
      baseURL: w.fake.url,
      log: () => undefined,
      readItems: readEveryItem(w.client, w.fake.url, () => undefined),
    });

    expect(found.baseline?.run.id).toBe(named.id);
    expect(found.baseline).toMatchObject({ label: 'vs the good one', branch: 'experiment', sameDataset: false });
    expect(found.baseline?.tally.counts).toMatchObject({ total: 12, passed: 11 });
  });

  it('a run that does not exist is an InputError of "baseline" naming the run and the eval', async () => {
    const w = await world();

    const error = await expectRejection(checkBaselineRun(w.client, { evalId: w.evalId, runId: 'evalrun_nope', baseURL: w.fake.url }), InputError);

    expect(error.input).toBe('baseline');
    expect(error.message).toBe(`Input "baseline": run evalrun_nope was not found in eval ${w.evalId} at ${w.fake.url}.`);
  });

  it('a run that has not completed is an InputError of "baseline" with its status', async () => {
    const w = await world();
    const s = w.settings(PUSH_GIT);
    w.fake.setProgress({ queuedPolls: 10, inProgressPolls: 10 });
    const created = await w.client.evals.runs.create(w.evalId, { name: 'still going', metadata: s.metadata, data_source: s.dataSource as never });

    const error = await expectRejection(checkBaselineRun(w.client, { evalId: w.evalId, runId: created.id, baseURL: w.fake.url }), InputError);

    expect(error.input).toBe('baseline');
    expect(error.problem).toBe(`run ${created.id} is queued: a baseline must be a completed run.`);
  });
});
