// The Gate in process, on clients made by connectEvals: against the loopback Evals API fake (remote
// engine) and on the local engine with an eval file in a temporary workspace. What run() returns for
// each way a run can end, what it cancels, and what it asks its host to remember for the post step.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { connectEvals } from '../../../src/gate/connect.ts';
import { Gate, type GateOutcome } from '../../../src/gate/gate.ts';
import type { GitContext } from '../../../src/github/context.ts';
import { recordText } from '../../../src/history/write-record.ts';
import { InputError } from '../../../src/settings/input-error.ts';
import type { Settings } from '../../../src/settings/settings.ts';
import { RUN_METADATA_KEYS, RUN_TOKEN_KEY } from '../../../src/shared/run-metadata-keys.ts';
import { Secrets } from '../../../src/shared/secrets.ts';
import type { FakeEvalDefinition, FakeEvalsApi, FakeEvalsOptions, JsonlRow } from '../../fakes/evals-api.ts';
import { useClosers } from '../../support/closers.ts';
import { exactCriterion, sdk, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { answers, EIGHT_OF_TEN, RecordingHost, settingsFor, until, useTempDirs, writeJsonl } from '../../support/gate-setup.ts';
import { PR_GIT } from '../../support/git-context.ts';

const start = useEvalsFake();
const tempDir = useTempDirs('gate-test-');
const track = useClosers();

const EXACT = exactCriterion('Exact match');
const SUPPORT: FakeEvalDefinition = { name: 'Support answers', testing_criteria: [EXACT] };

interface GateSetup {
  fake: FakeEvalsApi;
  evalId: string;
  settings: Settings;
  host: RecordingHost;
  gate: Gate;
}

interface RemoteOptions {
  inputs?: Record<string, string>;
  git?: GitContext;
  rows?: JsonlRow[];
  eval?: Partial<FakeEvalDefinition>;
  fake?: FakeEvalsOptions;
  /** More files in the workspace, by name. */
  files?: Record<string, string>;
  /** What the host's started() answers, and anything it does when the run exists. */
  started?: (run: { id: string }, fake: FakeEvalsApi, evalId: string) => boolean | Promise<boolean>;
}

/** A gate of the fake's eval on rows in a temporary workspace: 75% threshold, 10 ms polls, 1 queued and 2 in-progress polls. */
async function remoteGate(options: RemoteOptions = {}): Promise<GateSetup> {
  const fake = await start({ progress: { queuedPolls: 1, inProgressPolls: 2 }, ...options.fake });
  const evalId = fake.addEval({ ...SUPPORT, ...options.eval });
  const workspace = tempDir();
  writeJsonl(workspace, 'data.jsonl', options.rows ?? EIGHT_OF_TEN);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(workspace, name), text);
  const git = options.git ?? PR_GIT;
  const settings = settingsFor(
    git,
    { 'eval-id': evalId, 'api-key': fake.apiKey, 'base-url': fake.url, 'data-file': 'data.jsonl', threshold: '75%', 'poll-interval': '0.01', ...options.inputs },
    workspace,
  );
  const host = new RecordingHost((run) => options.started?.(run, fake, evalId) ?? false);
  const connection = connectEvals(settings, new Secrets(() => undefined), host);
  track(() => connection.close());
  return { fake, evalId, settings, host, gate: new Gate(connection, settings, git, host) };
}

function expectResult(outcome: GateOutcome): Extract<GateOutcome, { kind: 'result' }> {
  expect(outcome.kind, JSON.stringify(outcome.kind === 'error' ? String(outcome.error) : outcome.kind)).toBe('result');
  return outcome as Extract<GateOutcome, { kind: 'result' }>;
}

function expectError(outcome: GateOutcome): Extract<GateOutcome, { kind: 'error' }> {
  expect(outcome.kind).toBe('error');
  return outcome as Extract<GateOutcome, { kind: 'error' }>;
}

function onlyRun(fake: FakeEvalsApi) {
  const runs = fake.runs();
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

const neverEnds: Partial<FakeEvalDefinition> = { progress: { queuedPolls: 0, never: true } };

describe('Gate.run on the remote engine', () => {
  it('passes: the run is started once, waited for, its items read, and judged against the threshold', async () => {
    const { fake, evalId, settings, host, gate } = await remoteGate();

    const outcome = expectResult(await gate.run());

    const run = onlyRun(fake);
    expect(run.status).toBe('completed');
    expect(run.cancelRequests).toBe(0);
    expect(run.metadata[RUN_TOKEN_KEY]).toBe(settings.attemptToken);
    expect(outcome).toMatchObject({ evalId, evalName: 'Support answers', announced: false });
    const { result } = outcome;
    expect(result.run.id).toBe(run.id);
    expect(result.status).toBe('completed');
    expect(result.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(result.score).toBeCloseTo(0.8, 10);
    expect(result.threshold).toBe(0.75);
    expect(result.verdict).toEqual({ result: 'pass', reasons: ['Score 80.0% meets the threshold 75.0%.'] });
    expect(result.failingItems.map((item) => item.datasourceItemId).sort()).toEqual(['3', '8']);
    // A pull request into main with no earlier run there: judged alone, and the report says why.
    expect(result.baseline).toBeNull();
    expect(result.baselineNote).toMatch(/^No baseline: no completed run of this gate .* on main /);
    expect(result.links.workflowRun).toBe(PR_GIT.workflowRunUrl);

    expect(host.startedRuns.map(({ run: started, evalName }) => [started.id, evalName])).toEqual([[run.id, 'Support answers']]);
    expect(host.infos).toContain(`Started run ${run.id} ("${run.name}") of eval Support answers (${evalId}).`);
    expect(host.infos).toContain(`Run ${run.id} ended: completed.`);
    // The run object gives the counts: only its failing list is read, and the log says so.
    expect(host.infos).toContain(`Read the failing output items of run ${run.id} (status=fail): 2 items in 1 page; its result_counts and per-criterion results give the rest.`);
    expect(host.warnings).toEqual([]);
    expect(host.failures).toEqual([]);
  });

  it('says whether the PR comment announced the run, as its host answered', async () => {
    const { gate, host } = await remoteGate({ started: () => true });
    const outcome = expectResult(await gate.run());
    expect(outcome.announced).toBe(true);
    expect(host.startedRuns).toHaveLength(1);
  });

  it('fails below the threshold, naming the score and the threshold, and cancels nothing', async () => {
    const { fake, gate } = await remoteGate({ inputs: { threshold: '90%' } });

    const { result } = expectResult(await gate.run());

    expect(result.status).toBe('completed');
    expect(result.verdict).toEqual({ result: 'fail', reasons: ['Score 80.0% is below the threshold 90.0%.'] });
    expect(onlyRun(fake).cancelRequests).toBe(0);
  });

  it('a run that ends failed is a failing result with the server\'s error, and no items are read', async () => {
    const { fake, gate } = await remoteGate({ eval: { failWith: { code: 'grader_error', message: 'The grader crashed.' } } });

    const { result } = expectResult(await gate.run());

    expect(result.status).toBe('failed');
    expect(result.verdict.result).toBe('fail');
    expect(result.verdict.reasons[0]).toBe('The run ended with status "failed": grader_error: The grader crashed.');
    expect(fake.requests.filter((r) => r.path.endsWith('/output_items'))).toEqual([]);
    expect(onlyRun(fake).cancelRequests).toBe(0);
  });

  it('a run canceled by someone else is a failing result, and the gate does not cancel it again', async () => {
    const { fake, gate, host } = await remoteGate({
      eval: neverEnds,
      started: async (run, f, evalId) => {
        await sdk(f).evals.runs.cancel(run.id, { eval_id: evalId });
        return false;
      },
    });

    const { result } = expectResult(await gate.run());

    expect(result.status).toBe('canceled');
    expect(result.verdict.reasons[0]).toBe('The run was canceled before it completed.');
    const run = onlyRun(fake);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(host.infos).toContain(`Run ${run.id} ended: canceled.`);
    expect(host.saved.at(-1)).toEqual({ finished: true });
  });

  it('cancels a run that outlasts timeout-minutes and reports a timeout', async () => {
    // 0.002 minutes: 120 ms of 10 ms polls.
    const { fake, gate, host } = await remoteGate({ eval: neverEnds, inputs: { 'timeout-minutes': '0.002' } });

    const { result } = expectResult(await gate.run());

    const run = onlyRun(fake);
    expect(result.status).toBe('timeout');
    expect(result.verdict.result).toBe('fail');
    expect(result.verdict.reasons[0]).toMatch(/^The run did not finish within timeout-minutes/);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(host.warnings).toEqual([`Run ${run.id} did not finish within 0.002 minutes; cancelling it.`]);
    expect(host.infos).toContain(`Cancelled run ${run.id} (the timeout passed).`);
    expect(host.saved.at(-1)).toEqual({ finished: true });
    // Nothing is read of a run that did not complete.
    expect(fake.requests.filter((r) => r.path.endsWith('/output_items'))).toEqual([]);
  });

  it.each([true, false])('an API error after the run started is an error outcome (announced: %s), after cancelling the run', async (announced) => {
    const { fake, evalId, gate, host } = await remoteGate({
      eval: neverEnds,
      started: (run, f, id) => {
        // Every later poll of the run is refused: a refusal is not waited out.
        f.inject({ match: { method: 'GET', path: `^/v1/evals/${id}/runs/${run.id}$` }, times: 100, kind: { status: 403 } });
        return announced;
      },
    });

    const outcome = expectError(await gate.run());

    const run = onlyRun(fake);
    expect(outcome).toMatchObject({ evalId, evalName: 'Support answers', announced });
    expect(outcome.error).toBeInstanceOf(EvalsApiError);
    expect((outcome.error as EvalsApiError).status).toBe(403);
    expect((outcome.error as Error).message).toContain(`waiting for run ${run.id}`);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(host.infos).toContain(`Cancelled run ${run.id} (the gate stopped on an error).`);
    expect(host.saved.at(-1)).toEqual({ finished: true });
  });

  it('a baseline it cannot read does not fail the gate: the run is judged alone, with a warning saying why', async () => {
    const { fake, evalId, gate, host } = await remoteGate();
    fake.inject({ match: { method: 'GET', path: `^/v1/evals/${evalId}/runs$` }, times: 100, kind: { status: 403 } });

    const { result } = expectResult(await gate.run());

    expect(result.verdict.result).toBe('pass');
    expect(result.baseline).toBeNull();
    expect(result.baselineNote).toMatch(/^Could not read the baseline, so the gate judged the run alone: .*403/);
    expect(host.warnings).toEqual([result.baselineNote]);
  });

  it('a run it could not cancel is not remembered as finished: the post step tries again', async () => {
    const { fake, gate, host } = await remoteGate({
      eval: neverEnds,
      started: (run, f, id) => {
        f.inject({ match: { method: 'GET', path: `^/v1/evals/${id}/runs/${run.id}$` }, times: 100, kind: { status: 403 } });
        f.inject({ match: { method: 'POST', path: `^/v1/evals/${id}/runs/${run.id}(/cancel)?$` }, times: 100, kind: { status: 403 } });
        return false;
      },
    });

    expectError(await gate.run());

    const run = onlyRun(fake);
    // Every poll was refused, so the run never left the queue; the cancel was refused too.
    expect(run.status).toBe('queued');
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.includes(`/runs/${run.id}`)).length).toBeGreaterThan(0);
    expect(host.saved.map((saved) => Object.keys(saved)[0])).toEqual(['evalId', 'attemptToken', 'runId']);
    expect(host.warnings).toHaveLength(1);
    expect(host.warnings[0]).toMatch(new RegExp(`^Could not cancel run ${run.id} \\(the gate stopped on an error\\): .+ The post step will try again\\.$`));
  });

  it('an error before any run is an error outcome: nothing was created, nothing announced, only the eval id kept', async () => {
    const { fake, gate, host } = await remoteGate({ inputs: { 'eval-id': 'eval_gone' } });

    const outcome = expectError(await gate.run());

    expect(outcome).toMatchObject({ evalId: 'eval_gone', evalName: 'eval_gone', announced: false });
    expect(outcome.error).toBeInstanceOf(EvalsApiError);
    expect((outcome.error as EvalsApiError).status).toBe(404);
    expect(fake.runs()).toEqual([]);
    expect(host.startedRuns).toEqual([]);
    expect(host.saved).toEqual([{ evalId: 'eval_gone' }]);
  });

  it('checks an explicit baseline before starting a run: a missing one is an input error and costs nothing', async () => {
    const { fake, gate, host } = await remoteGate({ inputs: { baseline: 'evalrun_missing' } });

    const outcome = expectError(await gate.run());

    expect(outcome.error).toBeInstanceOf(InputError);
    expect((outcome.error as InputError).input).toBe('baseline');
    expect(fake.runs()).toEqual([]);
    expect(fake.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(host.saved.map((saved) => Object.keys(saved))).toEqual([['evalId']]);
  });

  it('tells the host what the post step needs, in order: eval id, attempt token, run id, finished', async () => {
    const { fake, evalId, settings, host, gate } = await remoteGate();

    expectResult(await gate.run());

    expect(host.saved).toEqual([{ evalId }, { attemptToken: settings.attemptToken }, { runId: onlyRun(fake).id }, { finished: true }]);
  });

  it('keeps the id of the eval it created from an eval-file sent to the remote engine', async () => {
    const fake = await start({ progress: { queuedPolls: 0, inProgressPolls: 1 } });
    const workspace = tempDir();
    writeJsonl(workspace, 'data.jsonl', EIGHT_OF_TEN);
    writeFileSync(join(workspace, 'support.eval.json'), JSON.stringify({ name: 'From a file', data_source_config: { type: 'custom' }, testing_criteria: [EXACT] }));
    const settings = settingsFor(
      PR_GIT,
      { 'eval-file': 'support.eval.json', engine: 'remote', 'api-key': fake.apiKey, 'base-url': fake.url, 'data-file': 'data.jsonl', threshold: '75%', 'poll-interval': '0.01' },
      workspace,
    );
    expect(settings.evalId).toBe('');
    const host = new RecordingHost();
    const connection = connectEvals(settings, new Secrets(() => undefined), host);

    const outcome = expectResult(await new Gate(connection, settings, PR_GIT, host).run());

    const [created, ...others] = fake.evalIds();
    expect(others).toEqual([]);
    expect(outcome).toMatchObject({ evalId: created, evalName: 'From a file' });
    expect(outcome.result.counts.passed).toBe(8);
    expect(host.saved[0]).toEqual({ evalId: created });
    expect(host.infos).toContain(`Created eval ${created} from support.eval.json: no eval at the endpoint had this definition.`);
  });
});

describe('the record a remote run leaves', () => {
  /** The item lists read of a run, each as its status filter (`all` for none). */
  const listsRead = (fake: FakeEvalsApi, runId: string) =>
    fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/runs/${runId}/output_items`)).map((r) => r.query.status ?? 'all');

  it('keeps its failing items alone with the counts; a later run on the same rows compares with it by id from its own failing list', async () => {
    const first = await remoteGate();
    const { record } = expectResult(await first.gate.run());
    expect(record?.header.items).toMatchObject({ count: 2, kept: 'failing' });
    expect(record?.header.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    // The data source's fingerprint, the one remote baselines on the API pair by: the items were not all read.
    expect(record?.header.dataset.fingerprint).toBe(first.settings.metadata[RUN_METADATA_KEYS.dataset]);
    expect(record?.items.map((item) => [item.id, item.outcome])).toEqual([['3', 'fail'], ['8', 'fail']]);
    const files = { 'main-record.jsonl': recordText(record!.header, record!.items) };

    // The same questions answered differently: 3 still fails, 8 is fixed, 5 regresses.
    const second = await remoteGate({ rows: answers(10, [3, 5]), files, inputs: { baseline: 'main-record.jsonl' } });
    const outcome = expectResult(await second.gate.run());
    const compared = outcome.result.baseline!;
    expect(compared.comparison).toMatchObject({ pairedBy: 'id', paired: 10, mcnemar: { regressions: 1, fixes: 1 } });
    expect(compared.regressed.map((item) => item.datasourceItemId)).toEqual(['5']);
    expect(compared.fixed.map((item) => item.datasourceItemId)).toEqual(['8']);
    expect(listsRead(second.fake, outcome.result.run.id)).toEqual(['fail']);
    expect(outcome.record?.header.items.kept).toBe('failing');
  });

  it('is not compared with a run of other rows, which cannot pair with the failing items alone: the report says why', async () => {
    const first = await remoteGate();
    const { record } = expectResult(await first.gate.run());
    const files = { 'main-record.jsonl': recordText(record!.header, record!.items) };

    const other = await remoteGate({ rows: answers(12, [3]), files, inputs: { baseline: 'main-record.jsonl' } });
    const outcome = expectResult(await other.gate.run());
    expect(outcome.result.baseline).toBeNull();
    expect(outcome.result.baselineNote).toMatch(/^No comparison vs .*main-record\.jsonl: only the baseline's failing items are known \(a record keeps no others\), and this run evaluated other rows/);
    // Nothing more of the run was read for a comparison that cannot be made.
    expect(listsRead(other.fake, outcome.result.run.id)).toEqual(['fail']);
  });
});

describe('Gate.abandon', () => {
  it('on a signal while the run is active: cancels it, fails the step, and run() comes back abandoned', async () => {
    const { fake, host, gate } = await remoteGate({ eval: neverEnds });

    const running = gate.run();
    await until(() => host.startedRuns.length > 0, 'the run to start');
    await gate.abandon('SIGINT');
    const outcome = await running;

    const run = onlyRun(fake);
    expect(outcome).toEqual({ kind: 'abandoned' });
    expect(gate.abandoned).toBe(true);
    expect(run.status).toBe('canceled');
    expect(run.cancelRequests).toBe(1);
    expect(host.warnings).toContain('Received SIGINT: the workflow is being cancelled.');
    expect(host.failures).toEqual([`Cancelled by SIGINT; run ${run.id} is not running.`]);
    expect(host.saved.at(-1)).toEqual({ finished: true });
    // The abandoned gate polls no more.
    const requests = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests.length).toBe(requests);
  });

  it('before any run exists: stops the requests in flight, and there is nothing to cancel', async () => {
    const { fake, host, gate } = await remoteGate({ fake: { latencyMs: 300 } });

    const running = gate.run();
    await gate.abandon('SIGTERM');
    const outcome = await running;

    expect(outcome).toEqual({ kind: 'abandoned' });
    expect(host.failures).toEqual(['Cancelled by SIGTERM.']);
    expect(fake.runs()).toEqual([]);
    expect(host.startedRuns).toEqual([]);
  });
});

describe('Gate.run on the local engine', () => {
  /** An eval file with the exact-match criterion at `evals/support.eval.yaml` and rows in `data.jsonl`. */
  function localSettings(inputs: Record<string, string> = {}, rows: JsonlRow[] = EIGHT_OF_TEN): Settings {
    const workspace = tempDir();
    writeJsonl(workspace, 'data.jsonl', rows);
    mkdirSync(join(workspace, 'evals'));
    const definition = { name: 'Support answers', data_source_config: { type: 'custom' }, testing_criteria: [EXACT] };
    writeFileSync(join(workspace, 'evals', 'support.eval.yaml'), JSON.stringify(definition));
    return settingsFor(PR_GIT, { 'eval-file': 'evals/support.eval.yaml', 'data-file': 'data.jsonl', threshold: '75%', ...inputs }, workspace);
  }

  async function runLocal(settings: Settings, host = new RecordingHost(() => true)): Promise<GateOutcome> {
    const connection = connectEvals(settings, new Secrets(() => undefined), host);
    try {
      return await new Gate(connection, settings, PR_GIT, host).run();
    } finally {
      await connection.close();
    }
  }

  it('runs the eval file in process, grades every row and judges it, remembering nothing for the post step', async () => {
    const settings = localSettings();
    expect(settings.engine).toBe('local');
    const host = new RecordingHost(() => true);

    const outcome = expectResult(await runLocal(settings, host));

    expect(outcome).toMatchObject({ evalId: settings.evalId, evalName: 'Support answers', announced: true });
    expect(outcome.evalId).toMatch(/^eval_local_/);
    expect(outcome.result.counts).toEqual({ total: 10, passed: 8, failed: 2, errored: 0, skipped: 0 });
    expect(outcome.result.verdict.result).toBe('pass');
    expect(outcome.result.failingItems).toHaveLength(2);
    // Nothing outlives the process: the post step has nothing to cancel.
    expect(host.saved).toEqual([]);
    expect(host.startedRuns).toHaveLength(1);
    expect(host.infos).toContain('Running evals/support.eval.yaml on the local engine (8 items at a time).');
  });

  it('fails below the threshold; with no kept record to compare with, the report says why', async () => {
    const host = new RecordingHost();
    const outcome = expectResult(await runLocal(localSettings({ threshold: '90%', 'max-regressions': '0' }), host));

    expect(outcome.result.verdict).toEqual({ result: 'fail', reasons: ['Score 80.0% is below the threshold 90.0%.'] });
    expect(outcome.result.baseline).toBeNull();
    expect(outcome.result.baselineNote).toMatch(/^No baseline: the records of earlier runs are read from the repository's workflow artifacts, which needs a github-token/);
    expect(host.warnings).toEqual([]);
    expect(host.saved).toEqual([]);
  });
});
