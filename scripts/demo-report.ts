// What both demos print of a job: the main step's log, its outputs, the job summary and the PR comment.
import type { FakeGitHub } from '../test/fakes/github-api.ts';
import type { StepResult } from '../test/harness/runner.ts';

export function rule(title: string): void {
  console.log(`\n\x1b[1m━━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}\x1b[0m`);
}

export function printMainStep(main: StepResult): void {
  rule('action log (main step)');
  process.stdout.write(main.stdout.replace(/^::add-mask::.*\n/gm, ''));
}

export function printReports(main: StepResult, github: FakeGitHub, pr: number): void {
  rule('outputs');
  for (const [name, value] of Object.entries(main.outputs)) console.log(`${name} = ${value}`);
  rule('job summary (GITHUB_STEP_SUMMARY)');
  console.log(main.summary);
  rule(`PR #${pr} comment (as posted to the GitHub API)`);
  console.log(github.comments('octo-org', 'octo-repo', pr).at(-1)?.body ?? '(no comment was written)');
  rule(`exit code ${main.exitCode}: the gate ${main.exitCode === 0 ? 'passed' : 'failed'}`);
}

/** The demo ends as the step did, so that a script (or `npm run demo -- --threshold 90%`) sees the verdict. */
export function exitLikeTheStep(main: StepResult): void {
  process.exitCode = main.exitCode ?? 1;
}
