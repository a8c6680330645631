import * as core from '@actions/core';

/** Appends the report to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY) it is skipped. */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
