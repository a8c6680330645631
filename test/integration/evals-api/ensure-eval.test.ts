// `engine: remote` with an `eval-file`: finding the eval made from the definition (its fingerprint in
// the eval's metadata) or creating it, with the real `openai` SDK against the loopback Evals API fake.
import { describe, expect, it } from 'vitest';
import { EvalsApiError } from '../../../src/evals-api/api-errors.ts';
import { createEvalsClient, type EvalsClient } from '../../../src/evals-api/client.ts';
import {
  ensureEval,
  type EnsureEvalRequest,
  EVAL_FINGERPRINT_KEY,
  EVALS_SEARCHED,
  type RemoteEvalDefinition,
} from '../../../src/evals-api/ensure-eval.ts';
import { evalDefinitionFingerprint } from '../../../src/evals-api/eval-definition-fingerprint.ts';
import { checkEvalMetadata } from '../../../src/settings/eval-choice.ts';
import { InputError } from '../../../src/settings/input-error.ts';
import type { FakeEvalsApi } from '../../fakes/evals-api.ts';
import { evalsEndpoint, exactCriterion, useEvalsFake } from '../../support/evals-fake-setup.ts';
import { expectRejection } from '../../support/rejection.ts';

const start = useEvalsFake();

const EVAL_FILE = 'evals/support.yaml';

const definition: RemoteEvalDefinition = {
  name: 'Support answers',
  data_source_config: {
    type: 'custom',
    item_schema: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' } }, required: ['question', 'expected'] },
    include_sample_schema: true,
  },
  testing_criteria: [{ ...exactCriterion('Exact match') }],
  metadata: { team: 'support' },
};

function clientFor(f: FakeEvalsApi, apiKey = f.apiKey): EvalsClient {
  return createEvalsClient(evalsEndpoint(f, { kind: 'key', apiKey, header: 'authorization' }));
}

function request(f: FakeEvalsApi, def: RemoteEvalDefinition = definition, overrides: Partial<EnsureEvalRequest> = {}): EnsureEvalRequest {
  return { definition: def, fingerprint: evalDefinitionFingerprint(def), baseURL: f.url, evalFile: EVAL_FILE, ...overrides };
}

/** An eval the fake holds already, as if made earlier (by the action when `fingerprint` is given). */
function existingEval(f: FakeEvalsApi, name: string, fingerprint?: string): string {
  return f.addEval({ name, testing_criteria: [exactCriterion('Exact match')], metadata: fingerprint ? { [EVAL_FINGERPRINT_KEY]: fingerprint } : {} });
}

const creates = (f: FakeEvalsApi) => f.requests.filter((r) => r.method === 'POST' && r.path === '/v1/evals');
const listPages = (f: FakeEvalsApi) => f.requests.filter((r) => r.method === 'GET' && r.path === '/v1/evals');

describe('ensureEval', () => {
  it('creates the eval when none was made from the definition, with the fingerprint in its metadata', async () => {
    const f = await start();
    existingEval(f, 'Support answers'); // same name, made by hand: not made from this definition
    existingEval(f, 'other', 'ffffffffffffffff');
    const client = clientFor(f);

    const ensured = await ensureEval(client, request(f));

    expect(ensured.created).toBe(true);
    expect(ensured.name).toBe('Support answers');
    expect(f.evalIds()).toHaveLength(3);
    expect(creates(f)).toHaveLength(1);
    expect(creates(f)[0]?.body).toEqual({
      name: definition.name,
      data_source_config: definition.data_source_config,
      testing_criteria: definition.testing_criteria,
      metadata: { team: 'support', [EVAL_FINGERPRINT_KEY]: evalDefinitionFingerprint(definition) },
    });
    const made = await client.evals.retrieve(ensured.id);
    expect(made.metadata).toEqual({ team: 'support', [EVAL_FINGERPRINT_KEY]: evalDefinitionFingerprint(definition) });
    expect(listPages(f)[0]?.query).toMatchObject({ order: 'desc', limit: '100' });
  });

  it('finds the eval the second time, without creating another', async () => {
    const f = await start();
    const client = clientFor(f);

    const first = await ensureEval(client, request(f));
    const second = await ensureEval(client, request(f, structuredClone(definition)));

    expect(second).toEqual({ id: first.id, name: 'Support answers', created: false });
    expect(creates(f)).toHaveLength(1);
    expect(f.evalIds()).toEqual([first.id]);
  });

  it('creates a new eval for a changed definition instead of reusing the old one', async () => {
    const f = await start();
    const client = clientFor(f);
    const first = await ensureEval(client, request(f));
    const changed: RemoteEvalDefinition = { ...definition, testing_criteria: [{ ...exactCriterion('Exact match'), operation: 'ilike' }] };

    const second = await ensureEval(client, request(f, changed));

    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect(creates(f)).toHaveLength(2);
    const made = await client.evals.retrieve(second.id);
    expect(made.metadata?.[EVAL_FINGERPRINT_KEY]).toBe(evalDefinitionFingerprint(changed));
    // Back to the first definition: its eval is found again.
    expect(await ensureEval(client, request(f))).toMatchObject({ id: first.id, created: false });
  });

  it('picks the newest of several evals made from the definition', async () => {
    const f = await start();
    const print = evalDefinitionFingerprint(definition);
    existingEval(f, 'Support answers', print);
    const newest = existingEval(f, 'Support answers (renamed in the dashboard)', print);
    existingEval(f, 'other', 'ffffffffffffffff');

    const ensured = await ensureEval(clientFor(f), request(f));

    expect(ensured).toEqual({ id: newest, name: 'Support answers (renamed in the dashboard)', created: false });
    expect(creates(f)).toHaveLength(0);
  });

  it('follows the pages of the list to find a match beyond the first 100 evals', async () => {
    const f = await start();
    const match = existingEval(f, 'Support answers', evalDefinitionFingerprint(definition));
    for (let i = 0; i < 150; i++) existingEval(f, `other ${i}`, i % 2 === 0 ? `${i}`.padStart(16, '0') : undefined);

    const ensured = await ensureEval(clientFor(f), request(f));

    expect(ensured).toMatchObject({ id: match, created: false });
    const pages = listPages(f);
    expect(pages).toHaveLength(2);
    expect(pages[1]?.query.after).toBeTruthy();
    expect(creates(f)).toHaveLength(0);
  });

  it(`stops searching after the newest ${EVALS_SEARCHED} evals, says so, and creates the eval`, async () => {
    const f = await start();
    const old = existingEval(f, 'Support answers', evalDefinitionFingerprint(definition));
    for (let i = 0; i < EVALS_SEARCHED; i++) existingEval(f, `other ${i}`);
    const lines: string[] = [];

    const ensured = await ensureEval(clientFor(f), request(f, definition, { log: (line) => lines.push(line) }));

    expect(ensured.created).toBe(true);
    expect(ensured.id).not.toBe(old);
    expect(listPages(f)).toHaveLength(EVALS_SEARCHED / 100);
    expect(lines.join('\n')).toContain(`Stopped looking for the eval made from ${EVAL_FILE} after the project's newest ${EVALS_SEARCHED} evals`);
  });

  it('adopts the eval made by a create whose answer was lost, without making a second', async () => {
    const f = await start();
    f.inject({ match: { method: 'POST', path: '/v1/evals$' }, kind: { dropAfterCommit: true } });
    const lines: string[] = [];

    const ensured = await ensureEval(clientFor(f), request(f, definition, { log: (line) => lines.push(line) }));

    expect(f.evalIds()).toEqual([ensured.id]);
    expect(ensured.created).toBe(true);
    expect(creates(f)).toHaveLength(1);
    expect(f.pendingFaults()).toBe(0);
    expect(lines.join('\n')).toContain(ensured.id);
  });

  it('tries the create again after a 500 and makes exactly one eval', async () => {
    const f = await start();
    f.inject({ match: { method: 'POST', path: '/v1/evals$' }, kind: { status: 500, retryAfterMs: 20 } });

    const ensured = await ensureEval(clientFor(f), request(f));

    expect(creates(f)).toHaveLength(2);
    expect(f.evalIds()).toEqual([ensured.id]);
    expect(ensured.created).toBe(true);
  });

  it('refuses metadata that leaves no room for the fingerprint, naming the eval file, when the inputs are read', async () => {
    const f = await start();
    const full = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`key_${i}`, 'v']));

    const error = await expectRejection(Promise.resolve().then(() => checkEvalMetadata({ ...definition, metadata: full }, EVAL_FILE)), InputError);

    expect(error.input).toBe('eval-file');
    expect(error.message).toContain(`${EVAL_FILE}: "metadata" has 16 keys`);
    expect(error.message).toContain(EVAL_FINGERPRINT_KEY);
    expect(f.requests).toHaveLength(0);

    const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`key_${i}`, 'v']));
    const ensured = await ensureEval(clientFor(f), request(f, { ...definition, metadata: fifteen }));
    expect(Object.keys((await clientFor(f).evals.retrieve(ensured.id)).metadata ?? {})).toHaveLength(16);
  });

  it('refuses metadata that sets the fingerprint key itself, or breaks the limits on keys and values', async () => {
    const f = await start();
    const cases: Array<[Record<string, string>, string]> = [
      [{ [EVAL_FINGERPRINT_KEY]: 'mine' }, `has the key "${EVAL_FINGERPRINT_KEY}"`],
      [{ ['k'.repeat(65)]: 'v' }, 'is 65 characters; the API allows 64'],
      [{ note: 'x'.repeat(513) }, 'the value of "note" is 513 characters; the API allows 512'],
      [{ count: 3 as unknown as string }, 'the value of "count" must be a string; got number'],
    ];
    for (const [metadata, problem] of cases) {
      const error = await expectRejection(Promise.resolve().then(() => checkEvalMetadata({ ...definition, metadata }, EVAL_FILE)), InputError);
      expect(error.message).toContain(`${EVAL_FILE}: "metadata"`);
      expect(error.message).toContain(problem);
    }
    expect(f.requests).toHaveLength(0);
  });

  it('fails with an EvalsApiError on a refused key, saying what it was doing', async () => {
    const f = await start();

    const error = await expectRejection(ensureEval(clientFor(f, 'sk-wrong'), request(f)), EvalsApiError);

    expect(error.status).toBe(401);
    expect(error.message).toContain('refused the credentials');
    expect(error.message).toContain(`looking for the eval made from ${EVAL_FILE}`);
    expect(creates(f)).toHaveLength(0);
  });

  it('fails with an EvalsApiError when the server rejects the definition, without trying again', async () => {
    const f = await start();
    const unsupported: RemoteEvalDefinition = { ...definition, testing_criteria: [{ type: 'python', name: 'custom', source: 'def grade(s, i): return 1' }] };

    const error = await expectRejection(ensureEval(clientFor(f), request(f, unsupported)), EvalsApiError);

    expect(error.status).toBe(400);
    expect(error.message).toContain(`creating the eval from ${EVAL_FILE}`);
    expect(error.message).toContain('testing_criteria[0]');
    expect(creates(f)).toHaveLength(1);
    expect(f.evalIds()).toHaveLength(0);
  });
});
