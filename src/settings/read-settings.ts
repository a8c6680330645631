import { randomUUID } from 'node:crypto';
import { describeUnknownThresholds, unknownThresholdNames } from '../analysis/threshold-names.js';
import { defaultAzureScope } from '../azure/endpoints.js';
import { LOCAL_ENGINE_URL } from '../evals-api/client.js';
import { defaultRunName, type GitContext } from '../github/context.js';
import { artifactNameProblem, autoArtifactName } from '../history/artifact-name.js';
import { datasetFingerprint } from '../shared/fingerprint.js';
import { buildDataSource } from './data-source.js';
import { checkDataSourceAgainstEval, readLocalEngineSettings } from './engine-settings.js';
import { localEvalId, readEvalChoice } from './eval-choice.js';
import { InputError } from './input-error.js';
import {
  looksSecret,
  maskQuery,
  parseAuthorityHost,
  parseBaselineChoice,
  parseBoolean,
  parseChoice,
  parseClientId,
  parseCount,
  parseCriteriaThresholds,
  parseHeaderLines,
  parseMetadata,
  parsePositiveNumber,
  parseQueryLines,
  parseRate,
  parseScope,
  parseScoreDrop,
  parseSignificance,
  parseTenantId,
  readOpenAiEndpoint,
} from './input-parsers.js';
import { buildRunMetadata } from './run-metadata.js';
import type { BaselineChoice, EndpointAuth, EndpointSettings, EngineKind, EvalChoice, InputSource, Settings } from './settings.js';
import { resolveWorkspaceFile } from './workspace-files.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Reads and validates every input. Throws an InputError naming the first bad input. */
export function readSettings(git: GitContext, source: InputSource): Settings {
  const { read, env } = source;
  const githubToken = read('github-token').trim();
  if (githubToken) source.mask(githubToken);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const { engine, eval: evalChoice } = readEvalChoice(source, workspace);
  checkCodeGraders(engine, evalChoice, git, parseBoolean('allow-code-graders', read('allow-code-graders') || 'false'));
  const evalId = evalChoice.kind === 'id' ? evalChoice.evalId : engine === 'local' ? localEvalId(evalChoice) : '';
  // The local engine needs no endpoint and no key: it answers inside this process.
  const endpoint = engine === 'local' ? LOCAL_ENDPOINT : readEndpointSettings(source);

  // Cheap checks first, so a typo is reported before any file is read.
  const threshold = parseRate('threshold', read('threshold') || '1');
  const criteriaThresholds = parseCriteriaThresholds('criteria-thresholds', read('criteria-thresholds'));
  if (evalChoice.kind === 'file') {
    // The eval file names its criteria: a threshold for another one is a typo, found before the run.
    const unknown = unknownThresholdNames(criteriaThresholds, evalChoice.definition.testing_criteria);
    if (unknown.length > 0) throw new InputError('criteria-thresholds', describeUnknownThresholds(unknown, evalChoice.definition.testing_criteria, evalChoice.path));
  }
  const timeoutMs = parsePositiveNumber('timeout-minutes', read('timeout-minutes') || '60', 'minutes', 7 * 24 * 60) * 60_000;
  const pollIntervalMs = parsePositiveNumber('poll-interval', read('poll-interval') || '10', 'seconds', 3600) * 1000;
  if (pollIntervalMs < MIN_POLL_INTERVAL_MS) {
    throw new InputError('poll-interval', `${read('poll-interval').trim()} seconds is less than the 1 second allowed: faster polls only cost requests (polling starts at 1 s and backs off to this).`);
  }
  const comment = parseBoolean('comment', read('comment') || 'true');
  const reportItems = parseCount('report-items', read('report-items') || '20');
  const showItemContent = parseBoolean('show-item-content', read('show-item-content') || 'true');
  const commentKey = read('comment-key').trim() || (evalChoice.kind === 'id' ? evalChoice.evalId : evalChoice.path);
  const userMetadata = parseMetadata('metadata', read('metadata'));
  const baseline = readBaselineChoice(read('baseline') || 'auto', workspace);
  if (engine === 'local' && baseline.kind === 'run') {
    throw new InputError('baseline', `the local engine keeps no runs between jobs, so ${baseline.runId} is not there to compare with: use "auto", a results file of an earlier run, or "none".`);
  }
  const resultsArtifact = readResultsArtifact(read('results-artifact') || 'auto', commentKey);
  const baselineRef = read('baseline-ref').trim() || (git.isPullRequest ? git.baseBranch : git.branch);
  const maxRegressions = read('max-regressions').trim() ? parseCount('max-regressions', read('max-regressions')) : null;
  const maxScoreDrop = read('max-score-drop').trim() ? parseScoreDrop('max-score-drop', read('max-score-drop')) : null;
  const minSignificance = read('min-significance').trim() ? parseSignificance('min-significance', read('min-significance')) : null;
  const history = parseCount('history', read('history') || '20');
  if (history > MAX_HISTORY) throw new InputError('history', `${history} runs is more than the ${MAX_HISTORY} a trend shows.`);
  const issueOnFailure = parseBoolean('issue-on-failure', read('issue-on-failure') || 'false');

  const dataSource = buildDataSource({
    dataSource: read('data-source'),
    dataFile: read('data-file'),
    model: read('model'),
    workspace,
    streamDataFile: engine === 'local',
  });
  if (evalChoice.kind === 'file') checkDataSourceAgainstEval(evalChoice.definition, dataSource);
  const local =
    engine === 'local' && evalChoice.kind === 'file'
      ? readLocalEngineSettings(source, evalChoice.definition, dataSource, evalChoice.path)
      : { models: null, concurrency: parseCount('concurrency', read('concurrency') || '8') };
  // Unique to this step's process: matrix legs share job and step names, so nothing from the git
  // context tells them apart. Retries of the create happen inside this process and reuse it.
  const attemptToken = randomUUID();
  const metadata = buildRunMetadata(git, commentKey, attemptToken, userMetadata, datasetFingerprint(dataSource.source));

  return {
    evalId,
    engine,
    evalChoice,
    models: local.models,
    concurrency: local.concurrency,
    endpoint,
    dataSource,
    runName: read('run-name').trim() || defaultRunName(git),
    metadata,
    attemptToken,
    threshold,
    criteriaThresholds,
    timeoutMs,
    pollIntervalMs,
    comment,
    commentKey,
    githubToken,
    reportItems,
    showItemContent,
    baseline,
    baselineRef,
    maxRegressions,
    maxScoreDrop,
    minSignificance,
    history,
    issueOnFailure,
    resultsArtifact,
  };
}

/** `auto`, `none`, a run id, or a path (it has a slash or a .json/.jsonl ending) of a file in the workspace. */
function readBaselineChoice(raw: string, workspace: string): BaselineChoice {
  const text = raw.trim();
  if (/[\\/]/.test(text) || /\.jsonl?$/i.test(text)) {
    const file = resolveWorkspaceFile('baseline', workspace, text);
    return { kind: 'file', path: file.path, label: text };
  }
  return parseBaselineChoice('baseline', text);
}

/** The artifact name of this gate's records: derived from the gate key, given, or none. */
function readResultsArtifact(raw: string, gateKey: string): string | null {
  const text = raw.trim();
  if (text.toLowerCase() === 'none') return null;
  if (text.toLowerCase() === 'auto') return autoArtifactName(gateKey);
  const problem = artifactNameProblem(text);
  if (problem) throw new InputError('results-artifact', `${JSON.stringify(text)} cannot name an artifact: ${problem}.`);
  return text;
}

/**
 * Events whose runs hold the base repository's secrets and a write token while the code under test
 * may come from a pull request (a fork's included): code from the repository must not run there
 * unless the workflow's author says it is trusted.
 */
const PRIVILEGED_EVENTS = ['pull_request_target', 'workflow_run'];

/**
 * A `python` grader runs code from the eval file inside the job (the local engine; a remote endpoint
 * runs it on its own servers). On privileged events that needs `allow-code-graders: true`.
 */
function checkCodeGraders(engine: EngineKind, choice: EvalChoice, git: GitContext, allowed: boolean): void {
  if (allowed || engine !== 'local' || choice.kind !== 'file' || !PRIVILEGED_EVENTS.includes(git.eventName ?? '')) return;
  const code = choice.definition.testing_criteria.filter((criterion) => criterion.type === 'python').map((criterion) => `"${criterion.name}"`);
  if (code.length === 0) return;
  throw new InputError(
    'allow-code-graders',
    `${choice.path} has python graders (${code.join(', ')}), which run code from the repository inside this job, and this is a ${git.eventName} event, ` +
      'which runs with the base repository\'s secrets and a write token: a pull request could make them run its own code. ' +
      'Run this eval on pull_request instead, or set "allow-code-graders: true" if the job checks out only trusted code.',
  );
}

/** The shortest poll-interval: polling starts at 1 s anyway. */
const MIN_POLL_INTERVAL_MS = 1000;

/** The longest trend a report shows. */
export const MAX_HISTORY = 100;

/** The local engine's side of the client: no network, no credentials. */
const LOCAL_ENDPOINT: EndpointSettings = {
  baseURL: LOCAL_ENGINE_URL,
  auth: { kind: 'key', apiKey: 'local-engine', header: 'authorization' },
  organization: null,
  project: null,
  extraHeaders: {},
  extraQuery: {},
};

/** Where the Evals API is and how to authenticate: all the post step needs to cancel a run. */
export function readEndpointSettings(source: InputSource): EndpointSettings {
  const { read } = source;
  // Secrets are masked as soon as they are read, before any check that could fail on them.
  const { baseURL, query, keyInput, key } = readOpenAiEndpoint(source, { url: 'base-url', key: 'api-key' });
  const extraHeaders = parseHeaderLines('extra-headers', read('extra-headers'));
  for (const [name, value] of Object.entries(extraHeaders)) {
    if (looksSecret(name) && value) source.mask(value);
  }
  const extraQuery = parseQueryLines('extra-query', read('extra-query'));
  maskQuery(source, extraQuery);
  for (const name of Object.keys(query)) {
    if (Object.hasOwn(extraQuery, name)) throw new InputError('base-url', `the query parameter "${name}" is in "extra-query" too: give it once.`);
  }
  return {
    baseURL,
    auth: readEndpointAuth(source, keyInput, key, baseURL),
    organization: read('organization').trim() || null,
    project: read('project').trim() || null,
    extraHeaders,
    extraQuery: { ...extraQuery, ...query },
  };
}

function readEndpointAuth(source: InputSource, apiKeyInput: string, fallbackKey: () => string, baseURL: string): EndpointAuth {
  const { read, env } = source;
  const header = parseChoice('auth-header', read('auth-header') || 'authorization', ['authorization', 'api-key'] as const);
  const clientId = read('azure-client-id').trim();
  const tenantId = read('azure-tenant-id').trim();
  if (clientId || tenantId) {
    if (!clientId) throw new InputError('azure-client-id', 'required with "azure-tenant-id": the Application (client) ID of the Entra app that trusts this repository.');
    if (!tenantId) throw new InputError('azure-tenant-id', 'required with "azure-client-id": the Directory (tenant) ID of the Entra app.');
    if (apiKeyInput) throw new InputError('api-key', 'set either "api-key" or "azure-client-id" (Entra ID sign-in), not both.');
    if (header !== 'authorization') throw new InputError('auth-header', 'Entra ID tokens are sent as "Authorization: Bearer": leave "auth-header" at "authorization".');
    return {
      kind: 'entra',
      clientId: parseClientId('azure-client-id', clientId),
      tenantId: parseTenantId('azure-tenant-id', tenantId),
      // Empty: the audience of the endpoint (an Azure OpenAI resource or a Foundry project).
      scope: read('azure-scope').trim() ? parseScope('azure-scope', read('azure-scope')) : defaultAzureScope(baseURL),
      authorityHost: parseAuthorityHost('AZURE_AUTHORITY_HOST', env.AZURE_AUTHORITY_HOST?.trim() || DEFAULT_AUTHORITY_HOST),
    };
  }
  const apiKey = fallbackKey();
  if (!apiKey) {
    throw new InputError(
      'api-key',
      'no credentials for the Evals API: set "api-key" (from a secret) or the OPENAI_API_KEY environment variable, or "azure-client-id" and "azure-tenant-id" for Entra ID sign-in.',
    );
  }
  return { kind: 'key', apiKey, header };
}
