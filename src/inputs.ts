import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import { buildDataSource, type DataSource } from './evals/data-source.js';
import type { GitContext } from './github/context.js';
import { defaultRunName } from './github/context.js';
import { InputError } from './input-error.js';
import { buildRunMetadata } from './evals/run-metadata.js';
import {
  type CriterionThreshold,
  parseBaseUrl,
  parseBoolean,
  parseCount,
  parseCriteriaThresholds,
  parseMetadata,
  parsePositiveNumber,
  parseRate,
} from './input-parsers.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface EndpointSettings {
  baseURL: string;
  apiKey: string;
  organization: string | null;
  project: string | null;
}

/** Every input, parsed and validated in one place. */
export interface Settings {
  evalId: string;
  endpoint: EndpointSettings;
  dataSource: DataSource;
  runName: string;
  /** The run's metadata: the git context keys, the user's keys and the attempt token. */
  metadata: Record<string, string>;
  /** Identifies this workflow attempt's run, so a retried create never makes a second one. */
  attemptToken: string;
  threshold: number;
  criteriaThresholds: CriterionThreshold[];
  timeoutMs: number;
  pollIntervalMs: number;
  comment: boolean;
  commentKey: string;
  githubToken: string;
  reportItems: number;
  showItemContent: boolean;
}

export type InputReader = (name: string) => string;

const readInput: InputReader = (name) => core.getInput(name);

/** Reads and validates every input. Throws an InputError naming the first bad input. */
export function readSettings(git: GitContext, read: InputReader = readInput, env: NodeJS.ProcessEnv = process.env): Settings {
  const githubToken = read('github-token').trim();
  if (githubToken) core.setSecret(githubToken);
  const evalId = readEvalId(read);
  const endpoint = readEndpointSettings(read, env);

  // Cheap checks first, so a typo is reported before any file is read.
  const threshold = parseRate('threshold', read('threshold') || '1');
  const criteriaThresholds = parseCriteriaThresholds('criteria-thresholds', read('criteria-thresholds'));
  const timeoutMs = parsePositiveNumber('timeout-minutes', read('timeout-minutes') || '60', 'minutes', 7 * 24 * 60) * 60_000;
  const pollIntervalMs = parsePositiveNumber('poll-interval', read('poll-interval') || '10', 'seconds', 3600) * 1000;
  const comment = parseBoolean('comment', read('comment') || 'true');
  const reportItems = parseCount('report-items', read('report-items') || '20');
  const showItemContent = parseBoolean('show-item-content', read('show-item-content') || 'true');
  const commentKey = read('comment-key').trim() || evalId;
  // Unique to this step's process: matrix legs share job and step names, so nothing from the git
  // context tells them apart. Retries of the create happen inside this process and reuse it.
  const attemptToken = randomUUID();
  const metadata = buildRunMetadata(git, commentKey, attemptToken, parseMetadata('metadata', read('metadata')));

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const dataSource = buildDataSource({
    dataSource: read('data-source'),
    dataFile: read('data-file'),
    model: read('model'),
    workspace,
  });

  return {
    evalId,
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
  };
}

export function readEvalId(read: InputReader = readInput): string {
  const evalId = read('eval-id').trim();
  if (!evalId) throw new InputError('eval-id', 'required: the id of the eval to run (eval_…).');
  if (/[\s/?#]/.test(evalId)) throw new InputError('eval-id', `${JSON.stringify(evalId)} is not an eval id.`);
  return evalId;
}

/** Where the Evals API is and how to authenticate: all the post step needs to cancel a run. */
export function readEndpointSettings(read: InputReader = readInput, env: NodeJS.ProcessEnv = process.env): EndpointSettings {
  const apiKey = read('api-key').trim() || env.OPENAI_API_KEY?.trim() || '';
  // Masked first, so no later error or debug line can print it.
  if (apiKey) core.setSecret(apiKey);
  if (!apiKey) {
    throw new InputError('api-key', 'no key for the Evals API: set "api-key" (from a secret) or the OPENAI_API_KEY environment variable.');
  }
  const baseUrlInput = read('base-url').trim();
  const baseURL = baseUrlInput
    ? parseBaseUrl('base-url', baseUrlInput)
    : parseBaseUrl('base-url (from OPENAI_BASE_URL)', env.OPENAI_BASE_URL?.trim() || DEFAULT_BASE_URL);
  return {
    baseURL,
    apiKey,
    organization: read('organization').trim() || null,
    project: read('project').trim() || null,
  };
}
