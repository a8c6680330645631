// The action's main step in process: run() reads its inputs as the runner passes them (INPUT_* through
// @actions/core), runs the gate against the loopback Evals API fake or the local engine, publishes to
// the GitHub fake and to the runner, and fails the step when it should. One test goes through the real
// runner (@actions/core writing GITHUB_OUTPUT, GITHUB_STATE and the job summary); the others record.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/action/main.ts';
import { actionsRunner } from '../../../src/action/runner.ts';
import { STATE } from '../../../src/action/state.ts';
import type { GitContext } from '../../../src/github/context.ts';
import { FAKE_GITHUB_TOKEN, type FakeGitHub } from '../../fakes/github-api.ts';
import type { FakeEvalsApi, FakeEvalDefinition } from '../../fakes/evals-api.ts';
import { useActionEnv } from '../../support/action-env.ts';
import { exactCriterion, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { EIGHT_OF_TEN, RecordingRunner, writeJsonl } from '../../support/gate-setup.ts';
import { PR_GIT } from '../../support/git-context.ts';
import { OWNER, REPO, useGitHubFake } from '../../support/github-fake-setup.ts';

const startEvals = useEvalsFake({ progress: { queuedPolls: 1, inProgressPolls: 1 } });
const startGitHub = useGitHubFake();
const actionEnv = useActionEnv();

const EXACT = exactCriterion('Exact match');
const PR = PR_GIT.prNumber!;

interface Job {
  evals: FakeEvalsApi;
  github: FakeGitHub;
  evalId: string;
  git: GitContext;
  env: ReturnType<typeof actionEnv>;
}

/** The fakes, an eval, data.jsonl (8 of 10 right) in the workspace, and the inputs of a pull request's job. */
async function job(inputs: Record<string, string> = {}, evalDef: Partial<FakeEvalDefinition> | ((evals: FakeEvalsApi) => Partial<FakeEvalDefinition>) = {}): Promise<Job> {
  const evals = await startEvals();
  const github = await startGitHub();
  const evalId = evals.addEval({ name: 'Support answers', testing_criteria: [EXACT], ...(typeof evalDef === 'function' ? evalDef(evals) : evalDef) });
  const env = actionEnv();
  writeJsonl(env.dir, 'data.jsonl', EIGHT_OF_TEN);
  env.set({
    'eval-id': evalId,
    'api-key': evals.apiKey,
    'base-url': evals.url,
    'data-file': 'data.jsonl',
    threshold: '75%',
    'poll-interval': '1',
    'github-token': FAKE_GITHUB_TOKEN,
    ...inputs,
  });
  return { evals, github, evalId, git: { ...PR_GIT, apiUrl: github.url }, env };
}

const prComments = (github: FakeGitHub) => github.comments(OWNER, REPO, PR);

describe('run (the main step)', () => {
  it('a passing pull request through @actions/core: outputs, state for the post step and the summary in the runner\'s files', async () => {
    const j = await job();

    const { stdout } = await j.env.capture(() => run(actionsRunner, j.git));

    const [evalRun, ...others] = j.evals.runs();
    expect(others).toEqual([]);
    const { outputs, state, summary } = j.env.files();
    expect(outputs).toMatchObject({ 'run-id': evalRun?.id, status: 'completed', score: '0.8', total: '10', passed: '8', failed: '2', result: 'pass' });
    expect(outputs['comment-url']).toBe(prComments(j.github)[0]?.html_url);
    expect(JSON.parse(readFileSync(outputs['results-file']!, 'utf8')).run.id).toBe(evalRun?.id);
    expect(state).toEqual({ [STATE.evalId]: j.evalId, [STATE.attemptToken]: evalRun?.metadata.gate_attempt, [STATE.runId]: evalRun?.id, [STATE.finished]: 'true' });
    expect(summary.split('\n')[0]).toBe('### ✅ evals-gate · Support answers: passed');
    // The key was masked in the log as soon as it was read, and never printed.
    expect(stdout).toContain(`::add-mask::${j.evals.apiKey}`);
    expect(stdout.replaceAll(`::add-mask::${j.evals.apiKey}`, '')).not.toContain(j.evals.apiKey);
    expect(stdout).not.toContain('::error');
    expect(stdout).toContain('Gate passed: Score 80.0% meets the threshold 75.0%.');
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('below the threshold: the step fails with the reasons, after the comment and the outputs are written', async () => {
    const j = await job({ threshold: '90%' });
    const runner = new RecordingRunner();

    await j.env.capture(() => run(runner, j.git));

    expect(runner.failures).toEqual(['Gate failed: Score 80.0% is below the threshold 90.0%.']);
    expect(runner.outputs.result).toBe('fail');
    expect(prComments(j.github)[0]?.body).toMatch(/### ❌ .*: failed/);
  });

  it('a bad input fails the step naming it, before any request to the Evals API or GitHub', async () => {
    const j = await job({ threshold: '150%' });
    const runner = new RecordingRunner();

    await j.env.capture(() => run(runner, j.git));

    expect(runner.failures).toEqual(['Input "threshold": "150%" is outside 0–1 (0%–100%).']);
    expect(j.evals.requests).toEqual([]);
    expect(j.github.requests).toEqual([]);
    expect(runner.outputs).toEqual({});
  });

  it('an API error after "evaluating…": the step fails, the run is cancelled, and the comment says what went wrong', async () => {
    const j = await job({}, { progress: { queuedPolls: 0, never: true } });
    // Every poll of a run is refused; the eval itself, and creating the run, still work.
    j.evals.inject({ match: { method: 'GET', path: `^/v1/evals/${j.evalId}/runs/[^/]+$` }, times: 100, kind: { status: 403 } });
    const runner = new RecordingRunner();

    await j.env.capture(() => run(runner, j.git));

    const [evalRun] = j.evals.runs();
    expect(evalRun?.status).toBe('canceled');
    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]).toContain(`waiting for run ${evalRun?.id}`);
    expect(runner.failures[0]).toContain('The key is valid but may not use this eval');
    const [comment, ...others] = prComments(j.github);
    expect(others).toEqual([]);
    expect(comment?.body).toContain('could not run');
    expect(comment?.body).not.toContain('evaluating…');
    expect(runner.state[STATE.finished]).toBe('true');
  });

  it('a key the server echoes (in the eval\'s name, in an answer) is redacted from the summary, the outputs, the comment and the results file', async () => {
    const j = await job({ threshold: '70%' }, (evals) => ({ name: `Leaky ${evals.apiKey}` }));
    const key = j.evals.apiKey;
    writeJsonl(j.env.dir, 'data.jsonl', [...EIGHT_OF_TEN, { item: { question: 'Your key?', expected: 'No.' }, sample: { output_text: `It is ${key}.` } }]);
    const runner = new RecordingRunner();

    await j.env.capture(() => run(runner, j.git));

    expect(runner.failures).toEqual([]);
    expect(runner.summary).toContain('Leaky \\*\\*\\*');
    expect(runner.summary).toContain('Your key?');
    // The log may carry it: the runner masks what ::add-mask:: named. Files and comments it does not mask.
    expect(runner.summary).not.toContain(key);
    expect(Object.values(runner.outputs).join('\n')).not.toContain(key);
    expect(prComments(j.github)[0]?.body).not.toContain(key);
    const resultsFile = readFileSync(runner.outputs['results-file']!, 'utf8');
    expect(resultsFile).toContain('It is ***.');
    expect(resultsFile).not.toContain(key);
  });

  it('an eval file on the local engine: judged in process, with nothing saved for the post step', async () => {
    const j = await job();
    writeFileSync(join(j.env.dir, 'support.eval.json'), JSON.stringify({ name: 'Local answers', data_source_config: { type: 'custom' }, testing_criteria: [EXACT] }));
    j.env.set({ 'eval-file': 'support.eval.json', 'data-file': 'data.jsonl', threshold: '75%', 'github-token': FAKE_GITHUB_TOKEN });
    const runner = new RecordingRunner();

    await j.env.capture(() => run(runner, j.git));

    expect(runner.failures).toEqual([]);
    expect(runner.outputs).toMatchObject({ result: 'pass', total: '10', passed: '8' });
    expect(runner.state).toEqual({});
    expect(j.evals.requests).toEqual([]);
    expect(prComments(j.github)[0]?.body).toContain('Local answers');
  });
});
