// cancelLeftoverRun, the post step's work, against the loopback Evals API fake: a run the main step left
// active is cancelled, found by its attempt token when the main step never learnt its id; a run that
// has ended, or was never made, is left alone.
import { describe, expect, it } from 'vitest';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { cancelLeftoverRun } from '../../../src/gate/cancel-leftover.ts';
import { RUN_TOKEN_KEY } from '../../../src/shared/run-metadata-keys.ts';
import type { FakeEvalsApi, FakeEvalsOptions } from '../../fakes/evals-api.ts';
import { evalsEndpoint, exactCriterion, jsonl, useEvalsFake } from '../../support/evals-fake-setup.ts';

const start = useEvalsFake();

interface Setup {
  fake: FakeEvalsApi;
  evalId: string;
  client: EvalsClient;
  log: { infos: string[]; warnings: string[]; info(line: string): void; warning(line: string): void };
  /** A run of the eval carrying `token` in its metadata, polled `polls` times. */
  run(token: string, polls?: number): Promise<string>;
}

async function setup(options: FakeEvalsOptions = {}): Promise<Setup> {
  // Queued for 1 poll, then in progress for 3.
  const fake = await start({ progress: { queuedPolls: 1, inProgressPolls: 3 }, ...options });
  const evalId = fake.addEval({ name: 'Support answers', testing_criteria: [exactCriterion('Exact match')] });
  const client = createEvalsClient(evalsEndpoint(fake));
  const infos: string[] = [];
  const warnings: string[] = [];
  const run = async (token: string, polls = 0) => {
    const created = await client.evals.runs.create(evalId, {
      metadata: { created_by: 'evals-gate', [RUN_TOKEN_KEY]: token },
      data_source: jsonl([{ item: { expected: 'a' }, sample: { output_text: 'a' } }]),
    });
    for (let i = 0; i < polls; i++) await client.evals.runs.retrieve(created.id, { eval_id: evalId });
    return created.id;
  };
  return { fake, evalId, client, log: { infos, warnings, info: (line) => infos.push(line), warning: (line) => warnings.push(line) }, run };
}

const cancels = (fake: FakeEvalsApi) => fake.requests.filter((r) => r.method === 'POST' && /\/runs\/[^/]+(\/cancel)?$/.test(r.path));

describe('cancelLeftoverRun', () => {
  it('cancels the run the main step left in progress, and warns that it did', async () => {
    const s = await setup();
    const runId = await s.run('attempt-1', 2);

    await cancelLeftoverRun(s.client, { evalId: s.evalId, runId, attemptToken: 'attempt-1', baseURL: s.fake.url }, s.log);

    expect(s.fake.run(runId)).toMatchObject({ status: 'canceled', cancelRequests: 1 });
    expect(s.log.warnings).toEqual([`Cancelled run ${runId}, which the main step left in_progress.`]);
    expect(s.log.infos).toEqual([]);
  });

  it('finds the run by its attempt token when the main step never learnt its id, among other attempts\' runs', async () => {
    const s = await setup();
    const other = await s.run('attempt-other');
    const mine = await s.run('attempt-1');
    await s.run('attempt-newer');

    await cancelLeftoverRun(s.client, { evalId: s.evalId, runId: '', attemptToken: 'attempt-1', baseURL: s.fake.url }, s.log);

    expect(s.fake.run(mine)).toMatchObject({ status: 'canceled', cancelRequests: 1 });
    expect(s.fake.run(other)?.cancelRequests).toBe(0);
    expect(s.log.warnings).toEqual([`Cancelled run ${mine}, which the main step left queued.`]);
  });

  it('leaves a run that has ended alone', async () => {
    const s = await setup();
    const runId = await s.run('attempt-1', 5);
    expect(s.fake.run(runId)?.status).toBe('completed');

    await cancelLeftoverRun(s.client, { evalId: s.evalId, runId, attemptToken: 'attempt-1', baseURL: s.fake.url }, s.log);

    expect(cancels(s.fake)).toEqual([]);
    expect(s.log.infos).toEqual([`Run ${runId} is completed: nothing to cancel.`]);
    expect(s.log.warnings).toEqual([]);
  });

  it('does nothing when no run carries the token: the create never reached the server', async () => {
    const s = await setup();
    await s.run('attempt-other');

    await cancelLeftoverRun(s.client, { evalId: s.evalId, runId: '', attemptToken: 'attempt-1', baseURL: s.fake.url }, s.log);

    expect(cancels(s.fake)).toEqual([]);
    expect(s.log.infos).toEqual(['No run of this step was started: nothing to cancel.']);
  });

  it('cancels on a server that only knows the older cancel path', async () => {
    const s = await setup({ legacyCancel: true });
    const runId = await s.run('attempt-1', 2);

    await cancelLeftoverRun(s.client, { evalId: s.evalId, runId, attemptToken: 'attempt-1', baseURL: s.fake.url }, s.log);

    expect(s.fake.run(runId)?.status).toBe('canceled');
    expect(s.log.warnings).toEqual([`Cancelled run ${runId}, which the main step left in_progress.`]);
  });
});
