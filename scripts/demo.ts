// The offline quick start: runs the bundled action (dist/index.js) exactly as the GitHub runner would, on
// a pull request, with the local engine evaluating examples/quickstart/support.eval.yaml over the
// pre-generated answers in examples/quickstart/support.jsonl (string_check and text_similarity graders:
// no model is called). The PR comment goes to a loopback GitHub API. Prints the action's log, outputs,
// job summary and PR comment. Nothing leaves this machine.
//
//   npm run demo                       # threshold 80%: the gate passes, exit code 0
//   npm run demo -- --threshold 90%    # the same run, failing the gate: exit code 1
//   npm run demo:remote                # the remote engine against a loopback Evals API, with a baseline
import { parseArgs } from 'node:util';
import { FAKE_GITHUB_TOKEN, startGitHubApi } from '../test/fakes/github-api.ts';
import { REPO_ROOT, RunnerJob } from '../test/harness/runner.ts';
import { exitLikeTheStep, printMainStep, printReports } from './demo-report.ts';

const { values } = parseArgs({ options: { threshold: { type: 'string', default: '80%' } } });

const github = await startGitHubApi();
const repo = { full_name: 'octo-org/octo-repo' };
const job = new RunnerJob({
  workspace: REPO_ROOT,
  eventName: 'pull_request',
  payload: {
    number: 7,
    pull_request: { number: 7, head: { sha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', ref: 'improve-answers', repo }, base: { ref: 'main', repo } },
  },
  inputs: {
    'eval-file': 'examples/quickstart/support.eval.yaml',
    'data-file': 'examples/quickstart/support.jsonl',
    threshold: values.threshold ?? '80%',
    'criteria-thresholds': 'Mentions the key term: 80%',
    'github-token': FAKE_GITHUB_TOKEN,
  },
  env: { GITHUB_API_URL: github.url, GITHUB_REF: 'refs/pull/7/merge', GITHUB_REF_NAME: '7/merge', GITHUB_HEAD_REF: 'improve-answers', GITHUB_BASE_REF: 'main' },
});

try {
  const main = await job.runMain();
  printMainStep(main);
  printReports(main, github, 7);
  exitLikeTheStep(main);
} finally {
  await github.close();
}
