import * as core from '@actions/core';
import type { GateResult } from '../analysis/gate-result.js';
import { commentMarker } from '../github/comment-marker.js';
import type { GitContext } from '../github/context.js';
import { describeCommentFailure, PullRequestComments } from '../github/pull-request-comments.js';
import { describeIssueFailure, TrackingIssues } from '../github/tracking-issue.js';
import type { Settings } from '../settings/read-settings.js';
import { redactSecrets } from '../shared/redact.js';
import { renderComment, renderErrorComment, renderPendingComment, renderReport, renderSummary } from '../report/markdown.js';
import { escapeInline } from '../report/escape.js';
import { writeJobSummary } from './job-summary.js';
import { resultsDocument, writeResultsFile } from '../report/results-document.js';

/** Under GitHub's 65,536-character limit on issue bodies, with room for the marker. */
const ISSUE_MAX_CHARS = 60_000;

/** Where the sticky comment goes, or why there is none. */
type CommentTarget = { comments: PullRequestComments; prNumber: number; marker: string } | { skipped: string; warn: boolean };

function commentTarget(settings: Settings, git: GitContext): CommentTarget {
  if (!settings.comment) return { skipped: 'comment: false', warn: false };
  if (!git.isPullRequest || git.prNumber === null) {
    return { skipped: `No pull request in this ${git.eventName || 'run'} event: no comment written (the report is in the job summary).`, warn: false };
  }
  if (!git.owner || !git.repo || !settings.githubToken) {
    return { skipped: 'No github-token or repository: the PR comment was skipped. The report is in the job summary.', warn: true };
  }
  const comments = new PullRequestComments({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo });
  return { comments, prNumber: git.prNumber, marker: commentMarker(settings.commentKey) };
}

/**
 * While the run is in progress, the PR comment already says so. A failure here is only logged: the
 * result's comment is tried again at the end, and warns then. True when the comment was written.
 */
export async function publishPending(
  run: { id: string; name: string; reportUrl: string | null },
  evalName: string,
  settings: Settings,
  git: GitContext,
): Promise<boolean> {
  const target = commentTarget(settings, git);
  if ('skipped' in target) return false;
  const body = renderPendingComment({ marker: target.marker, title: `evals-gate · ${evalName}`, runId: run.id, runName: run.name, reportUrl: run.reportUrl, workflowRunUrl: git.workflowRunUrl });
  try {
    const written = await target.comments.upsert(target.prNumber, target.marker, body);
    core.info(`The PR comment says the run is in progress: ${written.url}`);
    return true;
  } catch (error) {
    core.info(`Could not write the in-progress PR comment (the result will be tried again): ${describeCommentFailure(error, { isFork: git.isFork, prNumber: target.prNumber })}`);
    return false;
  }
}

/** The result everywhere it goes: outputs, the results file, the job summary, the PR comment, the tracking issue. */
export async function publishResult(result: GateResult, evalName: string, settings: Settings, git: GitContext, secrets: string[]): Promise<void> {
  const document = resultsDocument(result, { showItemContent: settings.showItemContent });
  const resultsFile = await writeResultsFile(JSON.stringify(document, null, 2), result.run.id);
  core.setOutput('status', result.status);
  core.setOutput('score', String(result.score));
  core.setOutput('total', String(result.counts.total));
  core.setOutput('passed', String(result.counts.passed));
  core.setOutput('failed', String(result.counts.failed));
  core.setOutput('errored', String(result.counts.errored));
  core.setOutput('result', result.verdict.result);
  core.setOutput('results-file', resultsFile);
  if (result.baseline) {
    const { comparison } = result.baseline;
    core.setOutput('baseline-run-id', result.baseline.baseline.runId);
    // 0.7 − 0.8 is −0.09999999999999998 in floating point: a workflow comparing with −0.1 must see −0.1.
    core.setOutput('score-delta', String(Number(comparison.scoreDelta.toFixed(10))));
    core.setOutput('regressions', String(comparison.mcnemar.regressions));
    core.setOutput('fixes', String(comparison.mcnemar.fixes));
  }
  if (result.countsNote) core.warning(result.countsNote);

  const title = `evals-gate · ${evalName}`;
  const summary = renderSummary(result, { title, showItemContent: settings.showItemContent, maxItems: Math.max(200, settings.reportItems) });
  await writeJobSummary(summary);

  await publishComment(result, title, settings, git, secrets);
  if (settings.issueOnFailure) await publishTrackingIssue(result, title, settings, git, secrets);
}

async function publishComment(result: GateResult, title: string, settings: Settings, git: GitContext, secrets: string[]): Promise<void> {
  const target = commentTarget(settings, git);
  if ('skipped' in target) {
    if (target.warn) core.warning(target.skipped);
    else if (settings.comment) core.info(target.skipped);
    return;
  }
  const body = renderComment(result, { marker: target.marker, title, maxItems: settings.reportItems, showItemContent: settings.showItemContent });
  try {
    const written = await target.comments.upsert(target.prNumber, target.marker, body);
    core.setOutput('comment-url', written.url);
    core.info(`${written.action === 'created' ? 'Wrote' : 'Updated'} the PR comment: ${written.url}`);
  } catch (error) {
    core.warning(redactSecrets(describeCommentFailure(error, { isFork: git.isFork, prNumber: target.prNumber }), secrets));
  }
}

/**
 * The gate stopped on an error after it had said "evaluating…" in the PR comment: the comment says so
 * instead. (Errors before the run started write no comment: the check's log has them.)
 */
export async function publishErrorComment(message: string, evalName: string, settings: Settings, git: GitContext, secrets: string[]): Promise<void> {
  const target = commentTarget(settings, git);
  if ('skipped' in target) return;
  const body = renderErrorComment({ marker: target.marker, title: `evals-gate · ${evalName}`, message, workflowRunUrl: git.workflowRunUrl });
  try {
    const written = await target.comments.upsert(target.prNumber, target.marker, body);
    core.setOutput('comment-url', written.url);
  } catch (error) {
    core.warning(redactSecrets(describeCommentFailure(error, { isFork: git.isFork, prNumber: target.prNumber }), secrets));
  }
}

/**
 * A scheduled gate that could not run at all (an expired key, an endpoint gone) is a failure too: the
 * tracking issue says so, with the error.
 */
export async function publishErrorToTrackingIssue(message: string, evalName: string, settings: Settings, git: GitContext, secrets: string[]): Promise<void> {
  if (!settings.issueOnFailure || git.eventName !== 'schedule' || !git.owner || !git.repo || !settings.githubToken) return;
  const issues = new TrackingIssues({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo });
  const where = git.branch ? ` on ${git.branch}` : '';
  const runLink = git.workflowRunUrl ? `[this workflow run](${git.workflowRunUrl})` : 'this workflow run';
  const body = `### ❌ evals-gate · ${escapeInline(evalName, 150)}: could not run\n\n${escapeInline(message, 4000)}\n\nReported by ${runLink}.\n`;
  try {
    const reported = await issues.reportFailure(settings.commentKey, `evals-gate: ${evalName} is failing${where}`, body);
    core.info(`${reported.action === 'created' ? 'Opened' : 'Commented on'} the tracking issue #${reported.number}: ${reported.url}`);
  } catch (error) {
    core.warning(redactSecrets(describeIssueFailure(error), secrets));
  }
}

/**
 * Scheduled runs keep one tracking issue per gate: opened (or commented on) while the gate fails,
 * commented on and closed when it passes again. Other events leave it alone: a PR's failure is the PR's.
 */
async function publishTrackingIssue(result: GateResult, title: string, settings: Settings, git: GitContext, secrets: string[]): Promise<void> {
  if (git.eventName !== 'schedule') {
    core.info(`issue-on-failure acts on schedule runs only; this is a ${git.eventName || 'local'} run.`);
    return;
  }
  if (!git.owner || !git.repo || !settings.githubToken) {
    core.warning('No github-token or repository: the tracking issue was not updated.');
    return;
  }
  const issues = new TrackingIssues({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo });
  const where = git.branch ? ` on ${git.branch}` : '';
  const runLink = git.workflowRunUrl ? `[this workflow run](${git.workflowRunUrl})` : 'this workflow run';
  try {
    if (result.verdict.result === 'fail') {
      const body = `${renderReport(result, { title, showItemContent: settings.showItemContent, maxItems: settings.reportItems, maxChars: ISSUE_MAX_CHARS, moreItemsWhere: 'the job summary and the results file' })}\nReported by ${runLink}.\n`;
      const reported = await issues.reportFailure(settings.commentKey, `evals-gate: ${evalNameOf(title)} is failing${where}`, body);
      core.info(`${reported.action === 'created' ? 'Opened' : 'Commented on'} the tracking issue #${reported.number}: ${reported.url}`);
    } else {
      const recovered = await issues.reportRecovery(settings.commentKey, `✅ The gate passes again${where} in ${runLink}: ${result.verdict.reasons.join(' ')}\n`);
      if (recovered.action === 'closed') core.info(`Closed the tracking issue #${recovered.number}: ${recovered.url}`);
    }
  } catch (error) {
    core.warning(redactSecrets(describeIssueFailure(error), secrets));
  }
}

function evalNameOf(title: string): string {
  return title.replace(/^evals-gate · /, '');
}
