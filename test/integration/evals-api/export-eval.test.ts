// `exportEval` with the real SDK against the loopback Evals API fake: the eval written in the create
// format, its newest run's dataset as JSONL (inline rows or a stored file), the sampling part of a
// completions run, the warnings, the refusal to overwrite; and the round trip: an exported eval run by
// the local engine grades every item as the fake's run did.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkRunsLocally, parseEvalDefinition } from '../../../src/engine/definition.ts';
import { engineFetch } from '../../../src/engine/engine-fetch.ts';
import { LocalEngine } from '../../../src/engine/local-engine.ts';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { createEvalsClient, createLocalEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import { EVAL_FINGERPRINT_KEY } from '../../../src/evals-api/ensure-eval.ts';
import { type ExportedEval, ExportError, exportEval, type ExportEvalOptions } from '../../../src/evals-api/export-eval.ts';
import { ModelClient } from '../../../src/models/model-client.ts';
import { buildDataSource } from '../../../src/settings/data-source.ts';
import type { FakeEvalsApi, JsonlRow } from '../../fakes/evals-api.ts';
import { startModelApi } from '../../fakes/model-api.ts';
import { useClosers } from '../../support/closers.ts';
import { evalsEndpoint, exactCriterion, instant, type RunDataSource, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const start = useEvalsFake({ progress: instant });
const track = useClosers();

const NOW = new Date('2026-11-02T10:20:30.000Z');

/** The API's "schema" form of a custom config whose runs carry samples. */
const schemaConfig = {
  type: 'custom',
  schema: {
    type: 'object',
    properties: {
      item: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' } }, required: ['question', 'expected'] },
      sample: { type: 'object', properties: { output_text: { type: 'string' } } },
    },
    required: ['item', 'sample'],
  },
};

const containsCriterion = { type: 'string_check' as const, name: 'Mentions it', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'ilike' as const };

const rows: JsonlRow[] = [
  { item: { question: 'two plus two?', expected: '4' }, sample: { output_text: '4' } },
  { item: { question: 'capital of France?', expected: 'Paris' }, sample: { output_text: 'Lyon' } },
  { item: { question: 'largest planet?', expected: 'Jupiter' }, sample: { output_text: 'It is jupiter.' } },
  { item: { question: 'colour of the sky?', expected: 'blue' }, sample: { output_text: 'blue' } },
];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'export-eval-'));
  track(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function clientFor(f: FakeEvalsApi): EvalsClient {
  return createEvalsClient(evalsEndpoint(f));
}

function exportFrom(f: FakeEvalsApi, evalId: string, outDir: string, overrides: Partial<ExportEvalOptions> = {}): Promise<ExportedEval> {
  return exportEval(clientFor(f), { evalId, outDir, baseURL: f.url, overwrite: false, log: () => undefined, now: () => NOW, ...overrides });
}

async function startRun(f: FakeEvalsApi, evalId: string, dataSource: RunDataSource): Promise<string> {
  const run = await clientFor(f).evals.runs.create(evalId, { data_source: dataSource });
  return run.id;
}

async function jsonlLines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

const readYaml = async (path: string): Promise<unknown> => parseYaml(await readFile(path, 'utf8')) as unknown;

/** Every item of a finished run: its status and each grader's verdict, by the grader's name. */
async function gradedItems(client: EvalsClient, evalId: string, runId: string): Promise<Array<{ index: number; status: string; graders: Record<string, boolean | null> }>> {
  for (let poll = 0; ; poll++) {
    const run = await client.evals.runs.retrieve(runId, { eval_id: evalId });
    if (run.status === 'completed') break;
    if (['failed', 'canceled'].includes(run.status) || poll > 2000) throw new Error(`run ${runId} ended ${run.status}: ${JSON.stringify(run.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const items = [];
  for await (const item of client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 100 })) {
    const graders = Object.fromEntries(item.results.map((result) => [criterionName(String(result.name)), (result.passed as boolean | null) ?? null]));
    items.push({ index: item.datasource_item_id, status: item.status, graders });
  }
  return items.sort((a, b) => a.index - b.index);
}

/** Criteria are named `<name>-<uuid>` in results. */
function criterionName(id: string): string {
  return id.replace(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '');
}

describe('exportEval', () => {
  it('writes the eval in the create format and the newest jsonl run rows with their samples', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({
      name: 'QA smoke-test: v2!',
      data_source_config: schemaConfig,
      testing_criteria: [exactCriterion('Exact match'), containsCriterion],
      metadata: { owner: 'qa-team', [EVAL_FINGERPRINT_KEY]: 'sha256:abc' },
    });
    await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: [{ item: { question: 'old', expected: 'old' }, sample: { output_text: 'old' } }] } });
    const newest = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: rows } });
    const lines: string[] = [];

    const exported = await exportFrom(f, evalId, join(dir, 'evals'), { log: (line) => lines.push(line) });

    expect(exported).toEqual({
      evalFile: join(dir, 'evals', 'qa-smoke-test-v2.eval.yaml'),
      dataFile: join(dir, 'evals', 'qa-smoke-test-v2.jsonl'),
      dataSourceFile: null,
      warnings: [],
    });
    expect(await readYaml(exported.evalFile)).toEqual({
      name: 'QA smoke-test: v2!',
      data_source_config: { type: 'custom', item_schema: schemaConfig.schema.properties.item, include_sample_schema: true },
      testing_criteria: [exactCriterion('Exact match'), containsCriterion],
      metadata: { owner: 'qa-team' },
    });
    expect(await jsonlLines(exported.dataFile ?? '')).toEqual(rows);
    const text = await readFile(exported.evalFile, 'utf8');
    expect(text.split('\n').slice(0, 4).every((line) => line.startsWith('#'))).toBe(true);
    expect(text).toContain(`eval ${evalId}`);
    expect(text).toContain(f.url);
    expect(text).toContain(NOW.toISOString());
    expect(text).toContain(`run ${newest}`);
    expect(lines.join('\n')).toContain(`Wrote 4 rows of run ${newest}`);
    expect((await readdir(join(dir, 'evals'))).sort()).toEqual(['qa-smoke-test-v2.eval.yaml', 'qa-smoke-test-v2.jsonl']);

    const definition = parseEvalDefinition(text, exported.evalFile);
    expect(() => checkRunsLocally(definition, exported.evalFile)).not.toThrow();
    expect(definition.testing_criteria.map((criterion) => criterion.name)).toEqual(['Exact match', 'Mentions it']);
  });

  it('writes the sampling part of a completions run as a data source, and its items without samples', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Sampled', testing_criteria: [exactCriterion('Exact match')] });
    const runId = await startRun(f, evalId, {
      type: 'completions',
      model: 'gpt-4o-mini',
      input_messages: { type: 'template', template: [{ role: 'developer', content: 'Answer in one word.' }, { role: 'user', content: '{{item.question}}' }] },
      sampling_params: { temperature: 0, seed: 7 },
      source: { type: 'file_content', content: rows },
    });

    const exported = await exportFrom(f, evalId, dir);

    expect(exported.dataSourceFile).toBe(join(dir, 'sampled.data-source.yaml'));
    expect(exported.warnings).toEqual([]);
    expect(await readYaml(exported.dataSourceFile ?? '')).toEqual({
      type: 'completions',
      model: 'gpt-4o-mini',
      input_messages: {
        type: 'template',
        template: [
          { type: 'message', role: 'developer', content: { type: 'input_text', text: 'Answer in one word.' } },
          { type: 'message', role: 'user', content: { type: 'input_text', text: '{{item.question}}' } },
        ],
      },
      sampling_params: { temperature: 0, seed: 7 },
    });
    expect(await readFile(exported.dataSourceFile ?? '', 'utf8')).toContain(`run ${runId}`);
    expect(await jsonlLines(exported.dataFile ?? '')).toEqual(rows.map((row) => ({ item: row.item })));

    // The workflow passes them as data-source and data-file: the rows become the source.
    const dataSource = buildDataSource({ dataSource: 'sampled.data-source.yaml', dataFile: 'sampled.jsonl', model: '', workspace: dir });
    expect(dataSource.type).toBe('completions');
    expect(dataSource.source).toEqual({ type: 'file_content', content: rows.map((row) => ({ item: row.item })) });
  });

  it('reads a file_id dataset from the files endpoint, normalising bare items', async () => {
    const f = await start();
    const dir = await tempDir();
    const fileId = f.addFile(`${JSON.stringify(rows[0])}\n\n${JSON.stringify({ question: 'bare?', expected: 'yes' })}\r\n${JSON.stringify(rows[1])}`);
    const evalId = f.addEval({ name: 'From a file', testing_criteria: [exactCriterion('Exact match')] });
    const runId = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_id', id: fileId } });

    const exported = await exportFrom(f, evalId, dir);

    expect(await jsonlLines(exported.dataFile ?? '')).toEqual([rows[0], { item: { question: 'bare?', expected: 'yes' } }, rows[1]]);
    expect(f.requests.filter((r) => r.method === 'GET' && r.path === `/v1/files/${fileId}/content`)).toHaveLength(1);
    expect(await readFile(exported.evalFile, 'utf8')).toContain(`run ${runId}`);
  });

  it('streams a large file_id dataset whole, multi-byte text across chunk boundaries included', async () => {
    const f = await start();
    const dir = await tempDir();
    const many = Array.from({ length: 5000 }, (_, i) => ({ item: { question: `naïve ☃ 日本語 question ${i}`, expected: `${i}` }, sample: { output_text: `${i}` } }));
    const fileId = f.addFile(many);
    const evalId = f.addEval({ name: 'Big', testing_criteria: [exactCriterion('Exact match')] });
    await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_id', id: fileId } });

    const exported = await exportFrom(f, evalId, dir);

    expect(await jsonlLines(exported.dataFile ?? '')).toEqual(many);
  });

  it('refuses a file_id dataset with malformed lines, naming them, and leaves no file behind', async () => {
    const f = await start();
    const dir = await tempDir();
    const fileId = f.addFile(rows);
    const evalId = f.addEval({ name: 'Broken file', testing_criteria: [exactCriterion('Exact match')] });
    await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_id', id: fileId } });
    f.addFile(`${JSON.stringify(rows[0])}\n{"item": \n[1, 2]\n`, fileId);

    const error = await expectRejection(exportFrom(f, evalId, dir), ExportError);

    expect(error.message).toContain(`File ${fileId}`);
    expect(error.message).toContain('2 malformed lines');
    expect(error.message).toContain('line 2: not valid JSON');
    expect(error.message).toContain('line 3: each line must be a JSON object');
    expect(await readdir(dir)).toEqual([]);
  });

  it('explains a file that the files endpoint does not have', async () => {
    const f = await start();
    const dir = await tempDir();
    const fileId = f.addFile(rows, 'file-gone');
    const evalId = f.addEval({ name: 'Gone', testing_criteria: [exactCriterion('Exact match')] });
    const runId = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_id', id: fileId } });
    f.inject({ match: { path: /\/files\// }, kind: { status: 404, body: { error: { message: 'No such File object: file-gone', type: 'invalid_request_error', param: 'id', code: null } } } });

    const error = await expectRejection(exportFrom(f, evalId, dir), EvalsApiError);

    expect(error.status).toBe(404);
    expect(error.message).toContain(`reading file file-gone, the dataset of run ${runId}`);
    expect(error.message).toContain('No such File object: file-gone');
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes the eval alone, with a warning, when it has no run', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Fresh', testing_criteria: [exactCriterion('Exact match')] });

    const exported = await exportFrom(f, evalId, dir);

    expect(exported.dataFile).toBeNull();
    expect(exported.dataSourceFile).toBeNull();
    expect(exported.warnings).toEqual([`Eval ${evalId} has no runs, so there is no dataset to take: only the eval file was written.`]);
    expect(await readdir(dir)).toEqual(['fresh.eval.yaml']);
    expect(await readFile(exported.evalFile, 'utf8')).toContain('No dataset');
    expect(await readYaml(exported.evalFile)).toMatchObject({
      data_source_config: { type: 'custom', item_schema: { type: 'object' }, include_sample_schema: false },
    });
  });

  it('takes an older run when newer ones have no rows to take, and says so', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Mixed', testing_criteria: [exactCriterion('Exact match')] });
    const older = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: rows } });
    const empty = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: [] } });
    const stored = await startRun(f, evalId, { type: 'completions', model: 'gpt-4o-mini', source: { type: 'stored_completions', metadata: { usecase: 'chat' } } });

    const exported = await exportFrom(f, evalId, dir);

    expect(await jsonlLines(exported.dataFile ?? '')).toEqual(rows);
    expect(exported.warnings).toHaveLength(1);
    expect(exported.warnings[0]).toContain(`from run ${older}`);
    expect(exported.warnings[0]).toContain(`${stored}: a stored_completions query`);
    expect(exported.warnings[0]).toContain(`${empty}: no inline rows`);
  });

  it('warns when no run has a dataset that can be taken', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Logs only', testing_criteria: [exactCriterion('Exact match')] });
    const stored = await startRun(f, evalId, { type: 'responses', model: 'gpt-4o-mini', source: { type: 'responses', metadata: { usecase: 'chat' } } } as RunDataSource);

    const exported = await exportFrom(f, evalId, dir);

    expect(exported.dataFile).toBeNull();
    expect(exported.warnings).toEqual([
      `None of the newest 1 run of eval ${evalId} has a dataset that can be taken (${stored}: a responses query of logs stored by the provider): only the eval file was written.`,
    ]);
    expect(await readdir(dir)).toEqual(['logs-only.eval.yaml']);
  });

  it('keeps what the local engine cannot run, warning about each grader and a logs config', async () => {
    const f = await start({ flavor: 'azure' });
    const dir = await tempDir();
    const evalId = f.addEval({
      name: 'Foundry quality',
      data_source_config: { type: 'logs', metadata: { usecase: 'support' }, schema: { type: 'object', properties: { item: { type: 'object' }, sample: { type: 'object' } } } },
      testing_criteria: [
        exactCriterion('Exact match'),
        { type: 'azure_ai_evaluator', name: 'Coherence', evaluator_name: 'builtin.coherence', initialization_parameters: { deployment_name: 'gpt-4o' } },
      ],
    });

    const exported = await exportFrom(f, evalId, dir);

    expect(exported.warnings).toEqual([
      'Grader "Coherence" (type azure_ai_evaluator) is kept, but the local engine does not run it (it runs string_check, text_similarity, label_model, score_model, python).',
      'The data source config is "logs": it reads logs stored by the provider, so only the remote engine can run this eval; the local engine runs "custom" configs.',
      `Eval ${evalId} has no runs, so there is no dataset to take: only the eval file was written.`,
    ]);
    const text = await readFile(exported.evalFile, 'utf8');
    const definition = parseEvalDefinition(text, exported.evalFile);
    expect(definition.data_source_config).toEqual({ type: 'logs', metadata: { usecase: 'support' } });
    expect(definition.testing_criteria[1]).toEqual({
      type: 'azure_ai_evaluator',
      name: 'Coherence',
      evaluator_name: 'builtin.coherence',
      initialization_parameters: { deployment_name: 'gpt-4o' },
    });
    expect(() => checkRunsLocally(definition, exported.evalFile)).toThrow(/logs/);
  });

  it('refuses to overwrite files unless told to, then replaces them whole', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Again', testing_criteria: [exactCriterion('Exact match')] });
    await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: rows.slice(0, 1) } });
    const first = await exportFrom(f, evalId, dir);
    const before = await readFile(first.dataFile ?? '', 'utf8');
    await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: rows } });

    const error = await expectRejection(exportFrom(f, evalId, dir), ExportError);
    expect(error.message).toBe(`${join(dir, 'again.eval.yaml')}, ${join(dir, 'again.jsonl')} already exist; run again with --force to overwrite them.`);
    expect(await readFile(first.dataFile ?? '', 'utf8')).toBe(before);

    const second = await exportFrom(f, evalId, dir, { overwrite: true });
    expect(second.dataFile).toBe(first.dataFile);
    expect(await jsonlLines(second.dataFile ?? '')).toEqual(rows);
    expect((await readdir(dir)).sort()).toEqual(['again.eval.yaml', 'again.jsonl']);
  });

  it('names the file in the way when only one exists', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Once', testing_criteria: [exactCriterion('Exact match')] });
    await exportFrom(f, evalId, dir);

    const error = await expectRejection(exportFrom(f, evalId, dir), ExportError);

    expect(error.message).toBe(`${join(dir, 'once.eval.yaml')} already exists; run again with --force to overwrite it.`);
  });

  it('explains an eval the endpoint does not have, writing nothing', async () => {
    const f = await start();
    const dir = await tempDir();

    const error = await expectRejection(exportFrom(f, 'eval_missing', join(dir, 'out')), EvalsApiError);

    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `Eval eval_missing was not found at the Evals API at ${f.url} (HTTP 404 while exporting eval eval_missing): Eval with id 'eval_missing' not found.`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('names files after the eval id when the name has no letters or digits', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ id: 'eval_0123abc', name: '★ ★', testing_criteria: [exactCriterion('Exact match')] });

    const exported = await exportFrom(f, evalId, dir);

    expect(exported.evalFile).toBe(join(dir, 'eval_0123abc.eval.yaml'));
  });
});

describe('round trip: exported from the fake, run by the local engine', () => {
  it('grades every item of a jsonl run as the fake did', async () => {
    const f = await start();
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Round trip', data_source_config: schemaConfig, testing_criteria: [exactCriterion('Exact match'), containsCriterion] });
    const client = clientFor(f);
    const remoteRun = await startRun(f, evalId, { type: 'jsonl', source: { type: 'file_content', content: rows } });
    const remote = await gradedItems(client, evalId, remoteRun);
    expect(remote.map((item) => item.status)).toEqual(['pass', 'fail', 'fail', 'pass']);

    const exported = await exportFrom(f, evalId, dir);
    const local = await runLocally(dir, exported, { dataSource: '', model: '' }, () => {
      throw new Error('this eval calls no model');
    });

    expect(local).toEqual(remote);
  });

  it('grades every item of a completions run as the fake did, sampling through the model endpoint', async () => {
    const f = await start();
    const models = await startModelApi();
    track(() => models.close());
    const dir = await tempDir();
    const evalId = f.addEval({ name: 'Sampled round trip', testing_criteria: [exactCriterion('Exact match'), containsCriterion] });
    // The fake answers an item's `fake_output`; the model fake echoes the user message, which is that.
    const items = rows.map((row) => ({ item: { ...row.item, fake_output: String(row.sample?.output_text) } }));
    const remoteRun = await startRun(f, evalId, {
      type: 'completions',
      model: 'gpt-4o-mini',
      input_messages: { type: 'template', template: [{ role: 'user', content: '{{item.fake_output}}' }] },
      source: { type: 'file_content', content: items },
    });
    const remote = await gradedItems(clientFor(f), evalId, remoteRun);
    expect(remote.map((item) => item.status)).toEqual(['pass', 'fail', 'fail', 'pass']);

    const exported = await exportFrom(f, evalId, dir);
    expect(exported.dataSourceFile).not.toBeNull();
    const modelClient = new ModelClient({ baseURL: models.baseURL, apiKey: models.apiKey }, { maxAttempts: 1 });
    const local = await runLocally(dir, exported, { dataSource: exported.dataSourceFile ?? '', model: '' }, () => modelClient);

    expect(local).toEqual(remote);
    expect(models.requests.filter((request) => request.outcome === 'accepted')).toHaveLength(rows.length);
  });
});

/** Runs the exported files as the action's local engine does: the eval file added, the data file streamed. */
async function runLocally(
  workspace: string,
  exported: ExportedEval,
  inputs: { dataSource: string; model: string },
  models: () => ModelClient,
): ReturnType<typeof gradedItems> {
  const engine = new LocalEngine({ concurrency: 2, models });
  track(() => engine.close());
  const definition = parseEvalDefinition(await readFile(exported.evalFile, 'utf8'), exported.evalFile);
  const evalId = String(engine.addEval(definition).id);
  const client = createLocalEvalsClient(engineFetch(engine));
  const dataSource = buildDataSource({ dataSource: inputs.dataSource, dataFile: exported.dataFile ?? '', model: inputs.model, workspace, streamDataFile: true });
  const run = await client.evals.runs.create(evalId, { data_source: dataSource as never });
  return gradedItems(client, evalId, run.id);
}
