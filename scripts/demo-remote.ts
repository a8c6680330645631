// The remote-engine demo: runs the bundled action (dist/index.js) exactly as the GitHub runner would,
// against the loopback Evals API emulator serving a small sample eval (examples/demo/) and a loopback
// GitHub API: first on a push to main (examples/demo/data-main.jsonl: the answers on main), then on a
// pull request (examples/demo/data.jsonl: the answers with the PR's change), which the gate compares
// with main's run. Prints the PR run's log, outputs, job summary and PR comment. Nothing leaves this machine.
//
//   npm run demo:remote                  # the sample eval, threshold 75%: exit code 0
//   npm run demo:remote -- --threshold 90%   # the same run, failing the gate: exit code 1
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEvalsApi } from '../test/fakes/evals-api.ts';
import { FAKE_GITHUB_TOKEN, startGitHubApi } from '../test/fakes/github-api.ts';
import { REPO_ROOT, RunnerJob } from '../test/harness/runner.ts';
import { exitLikeTheStep, printMainStep, printReports, rule } from './demo-report.ts';

const { values } = parseArgs({ options: { threshold: { type: 'string', default: '75%' } } });

const definition = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/demo/eval.json'), 'utf8'));
const evals = await startEvalsApi({ evals: [definition], progress: { queuedPolls: 0, inProgressPolls: 1 } });
const github = await startGitHubApi();
const [evalId] = evals.evalIds();

const repo = { full_name: 'octo-org/octo-repo' };
const commonInputs = {
  'eval-id': evalId ?? '',
  'api-key': evals.apiKey,
  'base-url': evals.url,
  threshold: values.threshold ?? '75%',
  'criteria-thresholds': 'Mentions the key term: 80%',
  'poll-interval': '1',
  'github-token': FAKE_GITHUB_TOKEN,
};
// The baseline: the gate as it ran on main's last push.
const onMain = new RunnerJob({
  workspace: REPO_ROOT,
  eventName: 'push',
  payload: { ref: 'refs/heads/main', after: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', repository: repo },
  inputs: { ...commonInputs, 'data-file': 'examples/demo/data-main.jsonl' },
  env: { GITHUB_API_URL: github.url, GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main', GITHUB_SHA: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d' },
});
const job = new RunnerJob({
  workspace: REPO_ROOT,
  eventName: 'pull_request',
  payload: {
    number: 7,
    pull_request: { number: 7, head: { sha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', ref: 'improve-answers', repo }, base: { ref: 'main', repo } },
  },
  inputs: {
    ...commonInputs,
    'data-file': 'examples/demo/data.jsonl',
    // Two regressions are more than one, but 2 regressed vs 1 fixed is no evidence of a change:
    // the gate says so and does not fail on it.
    'max-regressions': '1',
    'min-significance': '0.05',
  },
  env: { GITHUB_API_URL: github.url, GITHUB_REF: 'refs/pull/7/merge', GITHUB_REF_NAME: '7/merge', GITHUB_HEAD_REF: 'improve-answers', GITHUB_BASE_REF: 'main' },
});

try {
  const baseline = await onMain.runMain();
  rule(`main: the baseline run (${baseline.outputs['run-id'] ?? 'none'}, score ${baseline.outputs.score ?? '?'})`);
  const main = await job.runMain();
  printMainStep(main);
  const post = await job.runPost();
  rule('action log (post step)');
  process.stdout.write(post.stdout || '(nothing to do: the run had finished)\n');
  printReports(main, github, 7);
  // The PR's run decides, as it would decide the check; the post step only cleans up.
  exitLikeTheStep(main);
} finally {
  await evals.close();
  await github.close();
}
