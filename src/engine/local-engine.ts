import { randomBytes } from 'node:crypto';
import type { ModelClient } from '../models/model-client.js';
import { checkRunsLocally, type EvalDefinition, parseEvalDefinition } from './definition.js';
import { EvalDefinitionError } from './definition-error.js';
import { createGraders, criterionId } from './graders/create-graders.js';
import type { Grader } from './graders/grader.js';
import { compileItemValidator, type ItemValidator } from './item-validator.js';
import { type OutputItem, OutputItemStore } from './output-store.js';
import { checkJsonlFile, checkRowItems, FILE_PATH_SOURCE, toRowSource } from './rows.js';
import { RunExecution } from './run-execution.js';
import { createSampler } from './sampler.js';
import { checkDataSourceTemplates, checkGraderTemplates, SAMPLED_FIELDS } from './template-fields.js';

export interface LocalEngineOptions {
  /** Items evaluated at once by each run. */
  concurrency: number;
  /** The OpenAI-compatible endpoint for sampling, judges and embeddings, made on first use. */
  models: () => ModelClient;
  pythonTimeoutMs?: number;
  now?: () => number;
}

/** An error the API answers with: a status and OpenAI's error envelope. */
export class ApiRefusal extends Error {
  readonly status: number;
  readonly param: string | null;

  constructor(status: number, message: string, param: string | null = null) {
    super(message);
    this.name = 'ApiRefusal';
    this.status = status;
    this.param = param;
  }
}

interface StoredEval {
  id: string;
  definition: EvalDefinition;
  /** Checks an item against `item_schema`; null when the eval has none. */
  validateItem: ItemValidator | null;
  createdAt: number;
}

interface StoredRun {
  id: string;
  evalId: string;
  name: string;
  dataSource: Record<string, unknown>;
  metadata: Record<string, string>;
  createdAt: number;
  execution: RunExecution;
  store: OutputItemStore;
}

export interface ListQuery {
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
  status?: string;
}

/**
 * The Evals API, answered inside the job: evals made from definitions, runs evaluated by this process
 * (sampling and judges through an OpenAI-compatible endpoint), output items in cursor pages. The action
 * talks to it through the same SDK calls as to a hosted endpoint, so starting, waiting and collecting are
 * one code path for both engines.
 */
export class LocalEngine {
  private readonly options: LocalEngineOptions;
  private readonly evals = new Map<string, StoredEval>();
  private readonly runs = new Map<string, StoredRun>();
  private readonly now: () => number;
  private closed = false;
  /** Deleted runs still stopping: close() waits for them too. */
  private readonly stopping = new Set<Promise<void>>();

  constructor(options: LocalEngineOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * Adds an eval from a checked definition. `id` makes it stable across jobs (e.g. from a fingerprint).
   * Throws an EvalDefinitionError for what no run of it could get past (see checkEval).
   */
  addEval(definition: EvalDefinition, id = `eval_${randomBytes(12).toString('hex')}`): Record<string, unknown> {
    const stored = { id, definition, validateItem: checkEval(definition, definition.name), createdAt: this.now() };
    this.evals.set(id, stored);
    return evalObject(stored);
  }

  createEval(body: unknown): Record<string, unknown> {
    let definition: EvalDefinition;
    try {
      definition = parseEvalDefinition(JSON.stringify(body ?? null), 'the eval');
      checkEval(definition, 'the eval');
    } catch (error) {
      throw new ApiRefusal(400, error instanceof Error ? error.message : String(error));
    }
    return this.addEval(definition);
  }

  getEval(evalId: string): Record<string, unknown> {
    return evalObject(this.findEval(evalId));
  }

  listEvals(query: ListQuery): Record<string, unknown> {
    return page([...this.evals.values()].map(evalObject), query);
  }

  /** Checks the data source and builds the graders (a python grader compiles here), then starts the run. */
  async createRun(evalId: string, body: unknown): Promise<Record<string, unknown>> {
    // Not a 5xx: nothing would come of trying again.
    if (this.closed) throw new ApiRefusal(400, 'The local engine has shut down.');
    const stored = this.findEval(evalId);
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const dataSource = request.data_source as Record<string, unknown> | undefined;
    if (!dataSource || typeof dataSource.type !== 'string') throw new ApiRefusal(400, 'data_source is required.', 'data_source');
    if (!['jsonl', 'completions', 'responses'].includes(dataSource.type)) {
      throw new ApiRefusal(400, `data_source.type ${JSON.stringify(dataSource.type)} is not one of jsonl, completions, responses.`, 'data_source.type');
    }
    const metadata = toMetadata(request.metadata);

    let graders: Grader[] = [];
    try {
      const rows = toRowSource(dataSource.source);
      const sampled = dataSource.type !== 'jsonl';
      checkDataSourceTemplates(stored.definition, dataSource, 'data_source.input_messages');
      // The samples this run makes have known fields: a grader naming another would error every item.
      if (sampled) checkGraderTemplates(stored.definition, { where: 'testing_criteria', sampleFields: SAMPLED_FIELDS });
      if (rows.type === FILE_PATH_SOURCE) await checkJsonlFile(rows.path, rows.label, stored.validateItem);
      else if (stored.validateItem) checkRowItems(rows.content, stored.validateItem, 'data_source.source.content');
      const sampler = sampled ? createSampler(dataSource, this.options.models) : null;
      graders = createGraders(stored.definition, { models: this.options.models, pythonTimeoutMs: this.options.pythonTimeoutMs });
      for (const grader of graders) await grader.start?.();
      const id = `evalrun_${randomBytes(12).toString('hex')}`;
      const store = new OutputItemStore(id);
      const execution = new RunExecution({ runId: id, evalId, rows, graders, sampler, concurrency: this.options.concurrency, store, now: this.now });
      const run: StoredRun = {
        id,
        evalId,
        name: typeof request.name === 'string' && request.name ? request.name : `${typeof dataSource.model === 'string' ? dataSource.model : 'jsonl'}-${Math.floor(this.now() / 1000)}`,
        dataSource,
        metadata,
        createdAt: this.now(),
        execution,
        store,
      };
      this.runs.set(id, run);
      return this.runObject(run);
    } catch (error) {
      await Promise.allSettled(graders.map((grader) => grader.close?.()));
      if (error instanceof ApiRefusal) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const param = error instanceof EvalDefinitionError && !error.where.startsWith('data_source') ? 'testing_criteria' : 'data_source';
      throw new ApiRefusal(400, message, param);
    }
  }

  getRun(evalId: string, runId: string): Record<string, unknown> {
    return this.runObject(this.findRun(evalId, runId));
  }

  listRuns(evalId: string, query: ListQuery): Record<string, unknown> {
    this.findEval(evalId);
    const runs = [...this.runs.values()].filter((run) => run.evalId === evalId).map((run) => this.runObject(run));
    return page(query.status ? runs.filter((run) => run.status === query.status) : runs, query);
  }

  cancelRun(evalId: string, runId: string): Record<string, unknown> {
    const run = this.findRun(evalId, runId);
    run.execution.cancel();
    return this.runObject(run);
  }

  deleteRun(evalId: string, runId: string): Record<string, unknown> {
    const run = this.findRun(evalId, runId);
    run.execution.cancel();
    this.runs.delete(runId);
    const stopping = run.execution.done.then(() => run.store.close());
    this.stopping.add(stopping);
    void stopping.then(() => this.stopping.delete(stopping));
    return { object: 'eval.run.deleted', deleted: true, run_id: runId };
  }

  listOutputItems(evalId: string, runId: string, query: ListQuery): Record<string, unknown> {
    const run = this.findRun(evalId, runId);
    if (query.status !== undefined && query.status !== 'pass' && query.status !== 'fail') {
      throw new ApiRefusal(400, `status must be pass or fail; got ${JSON.stringify(query.status)}.`, 'status');
    }
    try {
      return { object: 'list', ...run.store.page({ after: query.after, limit: query.limit, order: query.order, status: query.status }) };
    } catch (error) {
      throw new ApiRefusal(400, error instanceof Error ? error.message : String(error), 'after');
    }
  }

  /**
   * A run's output items handed over as objects, for a gate in the same process: those stored so far,
   * then each one as it is stored, in order (only those of `status` when given), with no pages and no
   * JSON. Unknown runs throw as the API's 404. Returns a function that stops it.
   */
  followOutputItems(evalId: string, runId: string, onItem: (item: OutputItem) => void, status?: 'pass' | 'fail'): () => void {
    return this.findRun(evalId, runId).store.follow(onItem, status);
  }

  getOutputItem(evalId: string, runId: string, itemId: string): Record<string, unknown> {
    const item = this.findRun(evalId, runId).store.get(itemId);
    if (!item) throw new ApiRefusal(404, `No output item found with id '${itemId}'.`);
    return item;
  }

  /** Cancels what still runs, waits for it to stop, and deletes the spooled items. */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.runs.values()];
    for (const run of runs) run.execution.cancel();
    await Promise.allSettled([...runs.map((run) => run.execution.done), ...this.stopping]);
    for (const run of runs) run.store.close();
  }

  private findEval(evalId: string): StoredEval {
    const found = this.evals.get(evalId);
    if (!found) throw new ApiRefusal(404, `No eval found with id '${evalId}'.`);
    return found;
  }

  private findRun(evalId: string, runId: string): StoredRun {
    this.findEval(evalId);
    const run = this.runs.get(runId);
    if (!run || run.evalId !== evalId) throw new ApiRefusal(404, `No run found with id '${runId}'.`);
    return run;
  }

  private runObject(run: StoredRun): Record<string, unknown> {
    const { execution } = run;
    const done = execution.status === 'completed';
    return {
      object: 'eval.run',
      id: run.id,
      eval_id: run.evalId,
      name: run.name,
      status: execution.status,
      model: typeof run.dataSource.model === 'string' ? run.dataSource.model : null,
      data_source: run.dataSource,
      metadata: run.metadata,
      created_at: Math.floor(run.createdAt / 1000),
      report_url: null,
      result_counts: { ...execution.counts },
      per_model_usage: done ? execution.modelUsage() : null,
      per_testing_criteria_results: done
        ? [...execution.perCriterion.entries()].map(([id, counts]) => ({ testing_criteria: id, passed: counts.passed, failed: counts.failed }))
        : null,
      error: execution.error,
    };
  }
}

/**
 * What the engine checks of an eval before it keeps it: a data source config and grader types it runs,
 * grader templates that name only fields `item_schema` defines, and an item_schema it can compile.
 * Returns the item validator (null without an item_schema).
 */
function checkEval(definition: EvalDefinition, where: string): ItemValidator | null {
  checkRunsLocally(definition, where);
  checkGraderTemplates(definition, { where: `${where}: testing_criteria` });
  const schema = definition.data_source_config.item_schema;
  return schema === undefined ? null : compileItemValidator(schema, `${where}: data_source_config.item_schema`);
}

function evalObject(stored: StoredEval): Record<string, unknown> {
  const { definition } = stored;
  return {
    object: 'eval',
    id: stored.id,
    name: definition.name,
    data_source_config: definition.data_source_config,
    testing_criteria: definition.testing_criteria.map((criterion, index) => ({ ...criterion, id: criterionId(criterion, index) })),
    metadata: definition.metadata,
    created_at: Math.floor(stored.createdAt / 1000),
  };
}

function page(all: Record<string, unknown>[], query: ListQuery): Record<string, unknown> {
  const ordered = query.order === 'desc' ? [...all].reverse() : all;
  let start = 0;
  if (query.after) {
    const index = ordered.findIndex((entry) => entry.id === query.after);
    if (index < 0) throw new ApiRefusal(400, `after: no object ${JSON.stringify(query.after)} in this list.`, 'after');
    start = index + 1;
  }
  const data = ordered.slice(start, start + query.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: start + data.length < ordered.length,
  };
}

/** The API's metadata rules: at most 16 string values, keys ≤ 64 and values ≤ 512 characters. */
function toMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ApiRefusal(400, 'metadata must be an object.', 'metadata');
  const entries = Object.entries(raw);
  if (entries.length > 16) throw new ApiRefusal(400, `metadata has ${entries.length} keys; at most 16 are allowed.`, 'metadata');
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new ApiRefusal(400, `metadata.${key} must be a string.`, 'metadata');
    if (key.length > 64 || value.length > 512) throw new ApiRefusal(400, `metadata.${key} is too long (keys ≤ 64, values ≤ 512 characters).`, 'metadata');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
