import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Document } from 'yaml';
import { LOCAL_GRADER_TYPES, parseEvalDefinition } from '../engine/definition.js';
import { type JsonlRow, parseJsonlRow } from '../engine/jsonl-row.js';
import { describeApiError, type ErrorContext } from './api-errors.js';
import type { EvalsClient } from './client.js';
import { EVAL_FINGERPRINT_KEY } from './ensure-eval.js';

export interface ExportEvalOptions {
  evalId: string;
  /** The folder the files go to; made if missing. */
  outDir: string;
  /** The endpoint's base URL, for messages and the files' header. */
  baseURL: string;
  /** Replace files that exist (`--force`). */
  overwrite: boolean;
  signal?: AbortSignal;
  /** Progress lines. Warnings are returned, not logged. */
  log: (line: string) => void;
  /** For the files' header. Default: the clock. */
  now?: () => Date;
}

export interface ExportedEval {
  /** `<outDir>/<slug>.eval.yaml`: the eval in the create format, for `eval-file`. */
  evalFile: string;
  /** `<outDir>/<slug>.jsonl`: the dataset, for `data-file`; null when no run had one to take. */
  dataFile: string | null;
  /** `<outDir>/<slug>.data-source.yaml`: the sampling part of a completions/responses run, for `data-source`. */
  dataSourceFile: string | null;
  warnings: string[];
}

/** Something the export refuses or cannot do that is not an API failure: a file in the way, a bad dataset line. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** How many of the eval's newest runs are searched for one whose dataset can be taken. */
export const RUNS_SEARCHED = 20;

const MAX_REPORTED_BAD_LINES = 5;

type Json = Record<string, unknown>;

/** Where a run's items came from, when they can be taken. */
type Dataset = { kind: 'inline'; rows: unknown[] } | { kind: 'file'; fileId: string };

interface DatasetRun {
  runId: string;
  dataSource: Json;
  dataset: Dataset;
}

/**
 * Writes a remote eval into the repository, ready for the local engine: the eval as an `eval-file` (the
 * create format), the dataset of its newest run that has one as JSONL, and for a run that sampled a model
 * the rest of its data source. Files are written to temporary names and renamed at the end, so a failure
 * leaves no half-written file and an overwritten one is replaced whole.
 */
export async function exportEval(client: EvalsClient, options: ExportEvalOptions): Promise<ExportedEval> {
  const { evalId, baseURL, signal } = options;
  const context = (doing: string, runId?: string): ErrorContext => ({ doing, evalId, runId, baseURL });
  const warnings: string[] = [];

  let remote: Json;
  try {
    remote = (await client.evals.retrieve(evalId, { signal })) as unknown as Json;
  } catch (error) {
    throw describeApiError(error, context(`exporting eval ${evalId}`));
  }
  const name = typeof remote.name === 'string' && remote.name.trim() ? remote.name.trim() : evalId;
  const definition = toCreateFormat(remote, name, warnings);
  const criteria = definition.testing_criteria.length;
  options.log(`Read eval ${evalId} ("${name}"): ${criteria} testing ${criteria === 1 ? 'criterion' : 'criteria'}.`);

  const found = await findDatasetRun(client, options, warnings);
  const slug = fileSlug(name, evalId);
  const evalFile = join(options.outDir, `${slug}.eval.yaml`);
  const dataFile = found ? join(options.outDir, `${slug}.jsonl`) : null;
  const sampled = found !== null && found.dataSource.type !== 'jsonl';
  const dataSourceFile = sampled ? join(options.outDir, `${slug}.data-source.yaml`) : null;
  const targets = [evalFile, dataFile, dataSourceFile].filter((path): path is string => path !== null);
  if (!options.overwrite) await refuseExisting(targets);
  try {
    await mkdir(options.outDir, { recursive: true });
  } catch (error) {
    throw new ExportError(`Cannot make the folder ${options.outDir}: ${error instanceof Error ? error.message : String(error)}`);
  }

  const written = new Map<string, string>();
  const temporary = (path: string) => {
    const temp = `${path}.${randomBytes(4).toString('hex')}.partial`;
    written.set(path, temp);
    return temp;
  };
  try {
    const provenance = provenanceLines(options, remote, found?.runId ?? null);
    if (found && dataFile) {
      const rows = await writeDataset(client, found, temporary(dataFile), options, context);
      options.log(`Wrote ${rows} row${rows === 1 ? '' : 's'} of run ${found.runId} to ${dataFile}.`);
      if (rows === 0) warnings.push(`The dataset of run ${found.runId} has no rows; ${dataFile} is empty and the local engine needs at least one row.`);
    }
    if (found && dataSourceFile) {
      const header = [...provenance, `Pass it as the "data-source" input, with "data-file: ${dataFile}": the data file replaces its "source".`];
      await writeFile(temporary(dataSourceFile), yamlText(samplingPart(found.dataSource), header));
    }
    const usage = [`eval-file: ${evalFile}`, ...(dataFile ? [`data-file: ${dataFile}`] : []), ...(dataSourceFile ? [`data-source: ${dataSourceFile}`] : [])];
    const text = yamlText(definition, [...provenance, `Run it with engine: local and ${usage.join(', ')}.`]);
    checkParses(text, evalFile, warnings);
    await writeFile(temporary(evalFile), text);
    for (const [path, temp] of written) await rename(temp, path);
    written.clear();
  } finally {
    await Promise.allSettled([...written.values()].map((temp) => unlink(temp)));
  }
  options.log(`Wrote ${evalFile}.`);
  return { evalFile, dataFile, dataSourceFile, warnings };
}

/**
 * The eval as the create call (and the local engine) takes it: the config's schema form turned back into
 * `item_schema`, server-side fields dropped, the action's fingerprint taken out of the metadata.
 * What the local engine cannot run is kept, with a warning.
 */
export function toCreateFormat(
  remote: Json,
  name: string,
  warnings: string[],
): { name: string; data_source_config: Json; testing_criteria: Json[]; metadata: Record<string, string> } {
  const evalId = String(remote.id ?? name);
  const config = isObject(remote.data_source_config) ? remote.data_source_config : {};
  const criteria = Array.isArray(remote.testing_criteria) ? remote.testing_criteria.filter(isObject) : [];
  const testingCriteria = criteria.map((criterion) => {
    const { id: _id, ...kept } = criterion;
    if (!(LOCAL_GRADER_TYPES as readonly string[]).includes(String(kept.type))) {
      warnings.push(`Grader "${String(kept.name)}" (type ${String(kept.type)}) is kept, but the local engine does not run it (it runs ${LOCAL_GRADER_TYPES.join(', ')}).`);
    }
    return kept;
  });
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(isObject(remote.metadata) ? remote.metadata : {})) {
    if (key !== EVAL_FINGERPRINT_KEY && typeof value === 'string') metadata[key] = value;
  }
  return { name, data_source_config: createConfig(config, evalId, warnings), testing_criteria: testingCriteria, metadata };
}

/** The API answers configs in "schema" form (`schema.properties.item`/`sample`); the create call takes `item_schema`. */
function createConfig(config: Json, evalId: string, warnings: string[]): Json {
  const type = typeof config.type === 'string' ? config.type : 'custom';
  if (type === 'custom') {
    if (isObject(config.item_schema)) return { type, item_schema: config.item_schema, include_sample_schema: config.include_sample_schema === true };
    const properties = isObject(config.schema) && isObject(config.schema.properties) ? config.schema.properties : {};
    if (!isObject(properties.item)) warnings.push(`Eval ${evalId} describes no item schema; the eval file says only that items are objects.`);
    return { type, item_schema: isObject(properties.item) ? properties.item : { type: 'object' }, include_sample_schema: Object.hasOwn(properties, 'sample') };
  }
  warnings.push(
    `The data source config is "${type}": it reads logs stored by the provider, so only the remote engine can run this eval; the local engine runs "custom" configs.`,
  );
  if (type === 'logs' || type === 'stored_completions') return isObject(config.metadata) ? { type, metadata: config.metadata } : { type };
  return config;
}

/** The newest of the eval's newest runs whose items can be read back: inline rows or a stored file. */
async function findDatasetRun(client: EvalsClient, options: ExportEvalOptions, warnings: string[]): Promise<DatasetRun | null> {
  const { evalId } = options;
  let runs: Json[];
  try {
    const page = await client.evals.runs.list(evalId, { order: 'desc', limit: RUNS_SEARCHED }, { signal: options.signal });
    runs = page.data as unknown as Json[];
  } catch (error) {
    throw describeApiError(error, { doing: `listing the runs of eval ${evalId} to find its dataset`, evalId, baseURL: options.baseURL });
  }
  const passed: string[] = [];
  for (const run of runs.slice(0, RUNS_SEARCHED)) {
    const dataSource = isObject(run.data_source) ? run.data_source : {};
    const source = isObject(dataSource.source) ? dataSource.source : {};
    const runId = String(run.id);
    let dataset: Dataset | null = null;
    if (source.type === 'file_content' && Array.isArray(source.content) && source.content.length > 0) dataset = { kind: 'inline', rows: source.content };
    else if (source.type === 'file_id' && typeof source.id === 'string' && source.id) dataset = { kind: 'file', fileId: source.id };
    if (dataset) {
      if (passed.length > 0) warnings.push(`The dataset comes from run ${runId}: newer runs have none that can be taken (${passed.join('; ')}).`);
      return { runId, dataSource, dataset };
    }
    passed.push(`${runId}: ${sourceDescription(source)}`);
  }
  if (runs.length === 0) warnings.push(`Eval ${evalId} has no runs, so there is no dataset to take: only the eval file was written.`);
  else {
    warnings.push(
      `None of the newest ${runs.length} run${runs.length === 1 ? '' : 's'} of eval ${evalId} has a dataset that can be taken (${passed.join('; ')}): only the eval file was written.`,
    );
  }
  return null;
}

function sourceDescription(source: Json): string {
  if (source.type === 'file_content') return 'no inline rows';
  if (source.type === 'stored_completions' || source.type === 'responses') return `a ${source.type} query of logs stored by the provider`;
  return `a source of type ${JSON.stringify(source.type ?? null)}`;
}

/**
 * Writes the run's rows as JSONL, one line at a time (a stored file is streamed, never held whole).
 * Samples are kept for a jsonl run, where they are the outputs under test, and dropped for a run that
 * sampled a model, which samples them again. Returns the number of rows.
 */
async function writeDataset(
  client: EvalsClient,
  found: DatasetRun,
  path: string,
  options: ExportEvalOptions,
  context: (doing: string, runId?: string) => ErrorContext,
): Promise<number> {
  const keepSamples = found.dataSource.type === 'jsonl';
  const { dataset, runId } = found;
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    const rows = dataset.kind === 'inline' ? inlineRows(dataset.rows, runId) : fileRows(client, dataset.fileId, runId, options.signal);
    for await (const row of rows) {
      count++;
      yield `${JSON.stringify(keepSamples && row.sample ? { item: row.item, sample: row.sample } : { item: row.item })}\n`;
    }
  }
  const doing = dataset.kind === 'inline' ? `writing the dataset of run ${runId}` : `reading file ${dataset.fileId}, the dataset of run ${runId}`;
  try {
    await pipeline(lines, createWriteStream(path), { signal: options.signal });
  } catch (error) {
    if (error instanceof ExportError) throw error;
    throw describeApiError(error, context(doing, runId));
  }
  return count;
}

function* inlineRows(rows: unknown[], runId: string): Generator<JsonlRow> {
  for (const [index, value] of rows.entries()) {
    const row = isObject(value) ? parseJsonlRow(JSON.stringify(value)) : 'not an object';
    if (typeof row === 'string') throw new ExportError(`Run ${runId}: data_source.source.content[${index}] is ${row}.`);
    yield row;
  }
}

/** The rows of a stored JSONL file (`{"item", "sample"?}` lines or bare items), checked as they stream by. */
async function* fileRows(client: EvalsClient, fileId: string, runId: string, signal?: AbortSignal): AsyncGenerator<JsonlRow> {
  const response = await client.files.content(fileId, { signal });
  const problems: string[] = [];
  let badLines = 0;
  let number = 0;
  for await (const raw of textLines(response)) {
    number++;
    const line = raw.trim();
    if (!line) continue;
    const row = parseJsonlRow(line);
    if (typeof row !== 'string') yield row;
    else if (++badLines <= MAX_REPORTED_BAD_LINES) problems.push(`line ${number}: ${row}`);
  }
  if (badLines > 0) {
    const more = badLines > problems.length ? ` (and ${badLines - problems.length} more)` : '';
    throw new ExportError(
      `File ${fileId}, the dataset of run ${runId}, has ${badLines} malformed line${badLines === 1 ? '' : 's'}${more}, so nothing was written:\n  ${problems.join('\n  ')}`,
    );
  }
}

async function* textLines(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      rest += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
        yield rest.slice(start, end);
        start = end + 1;
      }
      rest = rest.slice(start);
      if (done) break;
    }
    if (rest) yield rest;
  } finally {
    reader.releaseLock();
  }
}

/** A completions/responses data source without its `source` and without the nulls the API echoes. */
function samplingPart(dataSource: Json): Json {
  const { source: _source, ...rest } = dataSource;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== null && value !== undefined));
}

/** Files named after the eval: lowercase letters and digits, anything else one `-`. */
export function fileSlug(name: string, evalId: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || evalId.toLowerCase().replace(/[^a-z0-9_]+/g, '-');
}

async function refuseExisting(paths: string[]): Promise<void> {
  const existing: string[] = [];
  for (const path of paths) {
    if (await access(path).then(() => true, () => false)) existing.push(path);
  }
  if (existing.length === 0) return;
  const [first] = existing;
  const names = existing.length === 1 ? `${first} already exists` : `${existing.join(', ')} already exist`;
  throw new ExportError(`${names}; run again with --force to overwrite ${existing.length === 1 ? 'it' : 'them'}.`);
}

function provenanceLines(options: ExportEvalOptions, remote: Json, runId: string | null): string[] {
  const when = (options.now ?? (() => new Date()))().toISOString();
  const name = typeof remote.name === 'string' ? ` ("${remote.name.replace(/\s+/g, ' ')}")` : '';
  return [
    `Exported by evals-gate from eval ${options.evalId}${name}`,
    `at ${displayUrl(options.baseURL)} on ${when}.`,
    runId ? `Dataset taken from run ${runId}.` : 'No dataset: no run of the eval had one to take.',
  ];
}

/** The base URL without credentials or query: the header is committed to the repository. */
function displayUrl(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return baseURL;
  }
}

function yamlText(value: unknown, header: string[]): string {
  const document = new Document(value);
  document.commentBefore = header.map((line) => ` ${line}`).join('\n');
  // No folding: prompts and python sources stay as they were written.
  return document.toString({ lineWidth: 0 });
}

/** The written file must be one the action reads; if the server's eval breaks its rules, say so now. */
function checkParses(text: string, evalFile: string, warnings: string[]): void {
  try {
    parseEvalDefinition(text, evalFile);
  } catch (error) {
    warnings.push(`The eval file needs editing before evals-gate can read it: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
