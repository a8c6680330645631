import type { GateResult } from '../analysis/gate-result.js';
import type { RunSnapshot } from '../evals-api/run-types.js';
import { commentMarker } from '../github/comment-marker.js';
import type { GitContext } from '../github/context.js';
import { describeCommentFailure, PullRequestComments } from '../github/pull-request-comments.js';
import { describeIssueFailure, TrackingIssues } from '../github/tracking-issue.js';
import type { ResultsRecord } from '../history/record-format.js';
import { resultsFileChunks } from '../history/write-record.js';
import { escapeInline } from '../report/escape.js';
import { renderComment, renderErrorComment, renderPendingComment, renderReport, renderSummary } from '../report/markdown.js';
import { resultsDocument } from '../report/results-document.js';
import type { Settings } from '../settings/settings.js';
import { redactDeep, redactSecrets } from '../shared/redact.js';
import { writeResultsFile } from './results-file.js';
import type { Runner } from './runner.js';

/** Under GitHub's 65,536-character limit on issue bodies, with room for the marker. */
const ISSUE_MAX_CHARS = 60_000;

/** The settings the publishers read: where reports go and how much they show. */
export type PublishSettings = Pick<Settings, 'comment' | 'commentKey' | 'githubToken' | 'reportItems' | 'showItemContent' | 'issueOnFailure'>;

/** Where the sticky comment goes, or why there is none. */
type CommentTarget = { comments: PullRequestComments; prNumber: number; marker: string } | { skipped: string; warn: boolean };

/**
 * Everything the action publishes, one entry per moment of the gate: the run started, the result, or
 * the error that stopped it. Outputs, the results file, the job summary, the PR comment and the
 * tracking issue; a failure to write to GitHub is a warning, never a failure of the step.
 */
export class Publisher {
  private readonly settings: PublishSettings;
  private readonly git: GitContext;
  private readonly runner: Runner;
  /** The secrets known when a message is written (tokens obtained during the run included). */
  private readonly secrets: () => string[];
  /** The PR comment says "evaluating…" (and nothing has replaced it yet). */
  private saysEvaluating = false;

  constructor(options: { settings: PublishSettings; git: GitContext; runner: Runner; secrets: () => string[] }) {
    this.settings = options.settings;
    this.git = options.git;
    this.runner = options.runner;
    this.secrets = options.secrets;
  }

  /**
   * The run exists: its id in the outputs, and the PR comment says it is in progress. A failure of the
   * comment is only logged: the result's comment is tried again at the end, and warns then. True when
   * the comment was written.
   */
  async started(created: RunSnapshot, createdEvalName: string): Promise<boolean> {
    // What the server sent, before it is written anywhere (and cut in the comment): without the secrets.
    const run = redactDeep(created, this.secrets());
    const evalName = redactSecrets(createdEvalName, this.secrets());
    this.runner.setOutput('run-id', run.id);
    if (run.reportUrl) this.runner.setOutput('report-url', run.reportUrl);
    const target = this.commentTarget();
    if ('skipped' in target) return false;
    const body = renderPendingComment({ marker: target.marker, title: titleOf(evalName), runId: run.id, runName: run.name, reportUrl: run.reportUrl, workflowRunUrl: this.git.workflowRunUrl });
    try {
      const written = await target.comments.upsert(target.prNumber, target.marker, body);
      this.runner.info(`The PR comment says the run is in progress: ${written.url}`);
      this.saysEvaluating = true;
      return true;
    } catch (error) {
      this.runner.info(`Could not write the in-progress PR comment (the result will be tried again): ${this.commentFailure(error, target.prNumber)}`);
      return false;
    }
  }

  /** The result everywhere it goes: outputs, the results file, the job summary, the PR comment, the tracking issue. */
  async result(result: GateResult, evalName: string, record: ResultsRecord | null = null): Promise<void> {
    const { settings, runner } = this;
    const document = resultsDocument(result, { showItemContent: settings.showItemContent });
    // Written as it is made: the record's lines never become one string.
    const resultsFile = await writeResultsFile(resultsFileChunks(document as object, record), result.run.id);
    runner.setOutput('status', result.status);
    runner.setOutput('score', String(result.score));
    runner.setOutput('total', String(result.counts.total));
    runner.setOutput('passed', String(result.counts.passed));
    runner.setOutput('failed', String(result.counts.failed));
    runner.setOutput('errored', String(result.counts.errored));
    runner.setOutput('result', result.verdict.result);
    runner.setOutput('results-file', resultsFile);
    if (result.baseline) {
      const { comparison } = result.baseline;
      runner.setOutput('baseline-run-id', result.baseline.baseline.runId);
      // 0.7 − 0.8 is −0.09999999999999998 in floating point: a workflow comparing with −0.1 must see −0.1.
      runner.setOutput('score-delta', String(Number(comparison.scoreDelta.toFixed(10))));
      runner.setOutput('regressions', String(comparison.mcnemar.regressions));
      runner.setOutput('fixes', String(comparison.mcnemar.fixes));
    }
    if (result.countsNote) runner.warning(result.countsNote);

    const title = titleOf(evalName);
    await runner.appendSummary(renderSummary(result, { title, showItemContent: settings.showItemContent, maxItems: Math.max(200, settings.reportItems) }));
    await this.resultComment(result, title);
    if (settings.issueOnFailure) await this.trackResult(result, evalName);
  }

  /**
   * The gate stopped on an error. If it had said "evaluating…" in the PR comment (`announced`), the
   * comment says what went wrong instead (errors before the run started write no comment: the check's
   * log has them). A scheduled gate that could not run at all is a failure for the tracking issue too.
   */
  async error(message: string, evalName: string, announced: boolean): Promise<void> {
    if (announced) await this.errorComment(message, evalName);
    if (this.settings.issueOnFailure) await this.trackError(message, evalName);
  }

  private async resultComment(result: GateResult, title: string): Promise<void> {
    const target = this.commentTarget();
    if ('skipped' in target) {
      if (target.warn) this.runner.warning(target.skipped);
      else if (this.settings.comment) this.runner.info(target.skipped);
      return;
    }
    const body = renderComment(result, { marker: target.marker, title, maxItems: this.settings.reportItems, showItemContent: this.settings.showItemContent });
    try {
      const written = await target.comments.upsert(target.prNumber, target.marker, body);
      this.runner.setOutput('comment-url', written.url);
      this.runner.info(`${written.action === 'created' ? 'Wrote' : 'Updated'} the PR comment: ${written.url}`);
      this.saysEvaluating = false;
    } catch (error) {
      this.runner.warning(`${this.commentFailure(error, target.prNumber)}${this.stillEvaluating()}`);
    }
  }

  private async errorComment(message: string, evalName: string): Promise<void> {
    const target = this.commentTarget();
    if ('skipped' in target) return;
    const body = renderErrorComment({ marker: target.marker, title: titleOf(evalName), message, workflowRunUrl: this.git.workflowRunUrl });
    try {
      const written = await target.comments.upsert(target.prNumber, target.marker, body);
      this.runner.setOutput('comment-url', written.url);
      this.saysEvaluating = false;
    } catch (error) {
      this.runner.warning(`${this.commentFailure(error, target.prNumber)}${this.stillEvaluating()}`);
    }
  }

  /**
   * Scheduled runs keep one tracking issue per gate: opened (or commented on) while the gate fails,
   * commented on and closed when it passes again. Other events leave it alone: a PR's failure is the PR's.
   */
  private async trackResult(result: GateResult, evalName: string): Promise<void> {
    const { git, settings, runner } = this;
    if (git.eventName !== 'schedule') {
      runner.info(`issue-on-failure acts on schedule runs only; this is a ${git.eventName || 'local'} run.`);
      return;
    }
    const issues = this.trackingIssues();
    if (!issues) {
      runner.warning('No github-token or repository: the tracking issue was not updated.');
      return;
    }
    try {
      if (result.verdict.result === 'fail') {
        const report = renderReport(result, {
          title: titleOf(evalName),
          showItemContent: settings.showItemContent,
          maxItems: settings.reportItems,
          maxChars: ISSUE_MAX_CHARS,
          moreItemsWhere: 'the job summary and the results file',
        });
        const reported = await issues.reportFailure(settings.commentKey, this.issueTitle(evalName), `${report}\nReported by ${this.runLink()}.\n`);
        runner.info(`${reported.action === 'created' ? 'Opened' : 'Commented on'} the tracking issue #${reported.number}: ${reported.url}`);
      } else {
        const recovered = await issues.reportRecovery(settings.commentKey, `✅ The gate passes again${this.where()} in ${this.runLink()}: ${result.verdict.reasons.join(' ')}\n`);
        if (recovered.action === 'closed') runner.info(`Closed the tracking issue #${recovered.number}: ${recovered.url}`);
      }
    } catch (error) {
      runner.warning(describeIssueFailure(error, (text) => redactSecrets(text, this.secrets())));
    }
  }

  private async trackError(message: string, evalName: string): Promise<void> {
    if (this.git.eventName !== 'schedule') return;
    const issues = this.trackingIssues();
    if (!issues) return;
    const body = `### ❌ evals-gate · ${escapeInline(evalName, 150)}: could not run\n\n${escapeInline(message, 4000)}\n\nReported by ${this.runLink()}.\n`;
    try {
      const reported = await issues.reportFailure(this.settings.commentKey, this.issueTitle(evalName), body);
      this.runner.info(`${reported.action === 'created' ? 'Opened' : 'Commented on'} the tracking issue #${reported.number}: ${reported.url}`);
    } catch (error) {
      this.runner.warning(describeIssueFailure(error, (text) => redactSecrets(text, this.secrets())));
    }
  }

  private commentTarget(): CommentTarget {
    const { settings, git } = this;
    if (!settings.comment) return { skipped: 'comment: false', warn: false };
    if (!git.isPullRequest || git.prNumber === null) {
      return { skipped: `No pull request in this ${git.eventName || 'run'} event: no comment written (the report is in the job summary).`, warn: false };
    }
    if (!git.owner || !git.repo || !settings.githubToken) {
      return { skipped: 'No github-token or repository: the PR comment was skipped. The report is in the job summary.', warn: true };
    }
    const comments = new PullRequestComments({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo, log: this.runner });
    return { comments, prNumber: git.prNumber, marker: commentMarker(settings.commentKey) };
  }

  private trackingIssues(): TrackingIssues | null {
    const { git, settings } = this;
    if (!git.owner || !git.repo || !settings.githubToken) return null;
    return new TrackingIssues({ token: settings.githubToken, apiUrl: git.apiUrl, owner: git.owner, repo: git.repo, log: this.runner });
  }

  private commentFailure(error: unknown, prNumber: number): string {
    return describeCommentFailure(error, { isFork: this.git.isFork, prNumber }, (text) => redactSecrets(text, this.secrets()));
  }

  /** When the last word of the comment is still "evaluating…", the warning says where the result is. */
  private stillEvaluating(): string {
    return this.saysEvaluating ? ' The PR comment still says the run is in progress; the result is in the job summary.' : '';
  }

  private issueTitle(evalName: string): string {
    return `evals-gate: ${evalName} is failing${this.where()}`;
  }

  private where(): string {
    return this.git.branch ? ` on ${this.git.branch}` : '';
  }

  private runLink(): string {
    return this.git.workflowRunUrl ? `[this workflow run](${this.git.workflowRunUrl})` : 'this workflow run';
  }
}

function titleOf(evalName: string): string {
  return `evals-gate · ${evalName}`;
}
