// The action's post step in process: runPost() reads what the main step saved (STATE_* through
// @actions/core) and the endpoint inputs, and cancels a run left active on the loopback Evals API fake.
// It never fails the job: what goes wrong is a warning, with secrets redacted.
import { describe, expect, it } from 'vitest';
import { runPost } from '../../../src/action/post.ts';
import { STATE } from '../../../src/action/state.ts';
import { RUN_TOKEN_KEY } from '../../../src/shared/run-metadata-keys.ts';
import type { FakeEvalsApi } from '../../fakes/evals-api.ts';
import { type ActionEnv, useActionEnv } from '../../support/action-env.ts';
import { exactCriterion, jsonl, sdk, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { RecordingRunner } from '../../support/gate-setup.ts';

const startEvals = useEvalsFake({ progress: { queuedPolls: 0, never: true } });
const actionEnv = useActionEnv();

const stateEnv = (state: Partial<Record<keyof typeof STATE, string>>) =>
  Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${STATE[key as keyof typeof STATE]}`, value]));

/**
 * The fake with an eval and an active run carrying attempt token `attempt-1` (its create is the fake's
 * first request: `since()` lists those after it); `set` gives the step its inputs and state.
 */
async function postJob(inputs: Record<string, string> = {}) {
  const evals = await startEvals();
  const evalId = evals.addEval({ name: 'Support answers', testing_criteria: [exactCriterion('Exact match')] });
  const created = await sdk(evals).evals.runs.create(evalId, { metadata: { [RUN_TOKEN_KEY]: 'attempt-1' }, data_source: jsonl([{ item: { expected: 'a' }, sample: { output_text: 'a' } }]) });
  const env = actionEnv();
  const set = (state: Parameters<typeof stateEnv>[0]) => env.set({ 'eval-id': evalId, 'api-key': evals.apiKey, 'base-url': evals.url, ...inputs }, stateEnv(state));
  return { evals, evalId, runId: created.id, env, set, since: () => evals.requests.slice(1) };
}

async function post(env: ActionEnv): Promise<RecordingRunner> {
  const runner = new RecordingRunner();
  await env.capture(() => runPost(runner));
  return runner;
}

const cancels = (evals: FakeEvalsApi) => evals.requests.filter((r) => r.method === 'POST' && r.path.includes('/runs/'));

describe('runPost (the post step)', () => {
  it('cancels the run the main step saved and left running', async () => {
    const j = await postJob();
    j.set({ evalId: j.evalId, runId: j.runId, attemptToken: 'attempt-1' });

    const runner = await post(j.env);

    expect(j.evals.run(j.runId)?.status).toBe('canceled');
    expect(runner.warnings).toEqual([`Cancelled run ${j.runId}, which the main step left in_progress.`]);
    expect(runner.failures).toEqual([]);
  });

  it('finds the run by the attempt token when no run id was saved, the eval by its input', async () => {
    const j = await postJob();
    j.set({ attemptToken: 'attempt-1' });

    const runner = await post(j.env);

    expect(j.evals.run(j.runId)?.status).toBe('canceled');
    expect(runner.warnings).toHaveLength(1);
  });

  it('does nothing when the main step said the run finished, or saved nothing', async () => {
    const finished = await postJob();
    finished.set({ evalId: finished.evalId, runId: finished.runId, finished: 'true' });
    const quiet = await post(finished.env);
    expect(finished.since()).toEqual([]);
    expect([...quiet.infos, ...quiet.warnings]).toEqual([]);

    const nothing = await postJob();
    nothing.set({});
    await post(nothing.env);
    expect(nothing.since()).toEqual([]);
  });

  it('a problem is a warning, never a failure of the job: bad inputs', async () => {
    const j = await postJob({ 'api-key': '' });
    j.set({ runId: j.runId });

    const runner = await post(j.env);

    expect(runner.failures).toEqual([]);
    expect(runner.warnings).toHaveLength(1);
    expect(runner.warnings[0]).toMatch(/^The post step could not make sure the run was cancelled: Input "api-key": no credentials for the Evals API/);
    expect(cancels(j.evals)).toEqual([]);
  });

  it('a problem is a warning with the key redacted: a server that echoes it', async () => {
    const j = await postJob();
    j.evals.inject({ match: { method: 'GET' }, times: 10, kind: { status: 400, body: { error: { message: `Bad key ${j.evals.apiKey}`, type: 'invalid_request_error', param: null, code: null } } } });
    j.set({ evalId: j.evalId, runId: j.runId });

    const runner = await post(j.env);

    expect(runner.failures).toEqual([]);
    expect(runner.warnings).toHaveLength(1);
    expect(runner.warnings[0]).toContain('Bad key ***');
    expect(runner.warnings[0]).not.toContain(j.evals.apiKey);
  });
});
