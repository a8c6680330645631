// The fingerprint that finds the remote eval made from an eval file: stable under key order, changed by
// anything the create request would send differently.
import { describe, expect, it } from 'vitest';
import type { RemoteEvalDefinition } from '../../../src/evals-api/ensure-eval.ts';
import { evalDefinitionFingerprint } from '../../../src/evals-api/eval-definition-fingerprint.ts';

const definition: RemoteEvalDefinition = {
  name: 'Support answers',
  data_source_config: {
    type: 'custom',
    item_schema: { type: 'object', properties: { question: { type: 'string' }, expected: { type: 'string' } }, required: ['question', 'expected'] },
    include_sample_schema: true,
  },
  testing_criteria: [
    { type: 'string_check', name: 'Exact', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' },
    {
      type: 'score_model',
      name: 'Helpful',
      model: 'gpt-4.1-mini',
      input: [{ role: 'user', content: 'Rate {{sample.output_text}} for {{item.question}}' }],
      range: [1, 5],
      pass_threshold: 4,
    },
  ],
  metadata: { team: 'support', owner: 'ana' },
};

/** `value` with the keys of every object reversed, recursively. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, entry]) => [key, reversedKeys(entry)]),
  );
}

const criterion = (index: number) => definition.testing_criteria[index] as Record<string, unknown>;

describe('evalDefinitionFingerprint', () => {
  it('is 16 hex digits, and the same for the same definition', () => {
    const print = evalDefinitionFingerprint(definition);
    expect(print).toMatch(/^[0-9a-f]{16}$/);
    expect(evalDefinitionFingerprint(structuredClone(definition))).toBe(print);
  });

  it('does not depend on the order of object keys anywhere in the definition', () => {
    const reordered = reversedKeys(definition) as RemoteEvalDefinition;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(definition));
    expect(evalDefinitionFingerprint(reordered)).toBe(evalDefinitionFingerprint(definition));
  });

  it('is pinned: the canonical JSON of the four parts, sha256, first 16 hex digits (a change would make every eval again)', () => {
    expect(evalDefinitionFingerprint({ name: 'qa', data_source_config: { type: 'custom' }, testing_criteria: [] })).toBe('2e006d93731874af');
  });

  it('changes when a criterion changes', () => {
    const changed = structuredClone(definition);
    changed.testing_criteria[0] = { ...criterion(0), reference: '{{item.answer}}' };
    expect(evalDefinitionFingerprint(changed)).not.toBe(evalDefinitionFingerprint(definition));

    const threshold = structuredClone(definition);
    threshold.testing_criteria[1] = { ...criterion(1), pass_threshold: 3 };
    expect(evalDefinitionFingerprint(threshold)).not.toBe(evalDefinitionFingerprint(definition));
  });

  it('changes when a criterion is added or removed, or the criteria change order', () => {
    const base = evalDefinitionFingerprint(definition);
    expect(evalDefinitionFingerprint({ ...definition, testing_criteria: [criterion(0)] })).not.toBe(base);
    expect(evalDefinitionFingerprint({ ...definition, testing_criteria: [...definition.testing_criteria, criterion(0)] })).not.toBe(base);
    expect(evalDefinitionFingerprint({ ...definition, testing_criteria: [criterion(1), criterion(0)] })).not.toBe(base);
  });

  it('changes when the data source config changes', () => {
    const changed = { ...definition, data_source_config: { ...definition.data_source_config, include_sample_schema: false } };
    expect(evalDefinitionFingerprint(changed)).not.toBe(evalDefinitionFingerprint(definition));
  });

  it('changes when the eval is renamed', () => {
    expect(evalDefinitionFingerprint({ ...definition, name: 'Support answers v2' })).not.toBe(evalDefinitionFingerprint(definition));
  });

  it('changes when the metadata changes, and treats empty metadata as none', () => {
    const base = evalDefinitionFingerprint(definition);
    expect(evalDefinitionFingerprint({ ...definition, metadata: { team: 'support', owner: 'bo' } })).not.toBe(base);
    expect(evalDefinitionFingerprint({ ...definition, metadata: { team: 'support' } })).not.toBe(base);

    const { metadata: _dropped, ...bare } = definition;
    expect(evalDefinitionFingerprint({ ...bare, metadata: {} })).toBe(evalDefinitionFingerprint(bare));
    expect(evalDefinitionFingerprint(bare)).not.toBe(base);
  });

  it('leaves out fields that are not part of the create request', () => {
    const extended = { ...definition, id: 'eval_123', object: 'eval', created_at: 1_700_000_000 } as RemoteEvalDefinition;
    expect(evalDefinitionFingerprint(extended)).toBe(evalDefinitionFingerprint(definition));
  });

  it('tells apart values that only look alike once stringified', () => {
    const number = { ...definition, data_source_config: { type: 'custom', version: 1 } };
    const text = { ...definition, data_source_config: { type: 'custom', version: '1' } };
    expect(evalDefinitionFingerprint(number)).not.toBe(evalDefinitionFingerprint(text));
  });
});
