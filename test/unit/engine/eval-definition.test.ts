// Eval definitions as the local engine reads them: parsing JSON and YAML, every shape problem found
// before anything runs (with where it is), what only the remote engine can run, and the graders built
// from a definition with stable `<name>-<uuid>` ids.
import { describe, expect, it } from 'vitest';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { checkRunsLocally, type EvalDefinition, LOCAL_GRADER_TYPES, parseEvalDefinition } from '../../../src/engine/definition.ts';
import { createGraders, criterionId } from '../../../src/engine/graders/create-graders.ts';
import { criterionName } from '../../../src/evals-api/records.ts';
import type { ModelClient } from '../../../src/models/model-client.ts';

const exact = { type: 'string_check', name: 'Exact', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation: 'eq' };
const contains = { type: 'string_check', name: 'Mentions Paris', input: '{{sample.output_text}}', reference: 'Paris', operation: 'ilike' };

const jsonDefinition = JSON.stringify({
  name: 'Support triage',
  data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { expected: { type: 'string' } } }, include_sample_schema: true },
  testing_criteria: [exact, contains],
  metadata: { team: 'support' },
});

const yamlDefinition = `
# A comment, as YAML allows.
name: Support triage
data_source_config:
  type: custom
  item_schema:
    type: object
    properties:
      expected: { type: string }
  include_sample_schema: true
testing_criteria:
  - type: string_check
    name: Exact
    input: "{{sample.output_text}}"
    reference: "{{item.expected}}"
    operation: eq
  - type: string_check
    name: Mentions Paris
    input: "{{sample.output_text}}"
    reference: Paris
    operation: ilike
metadata:
  team: support
`;

function definitionError(run: () => unknown): EvalDefinitionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EvalDefinitionError);
    return error as EvalDefinitionError;
  }
  return expect.fail('expected an EvalDefinitionError');
}

const parse = (value: unknown, where = 'evals/qa.eval.json') => parseEvalDefinition(typeof value === 'string' ? value : JSON.stringify(value), where);
const minimal = (overrides: Record<string, unknown> = {}) => ({ name: 'qa', data_source_config: { type: 'custom' }, testing_criteria: [exact], ...overrides });

describe('parseEvalDefinition', () => {
  it('reads JSON and YAML to the same definition', () => {
    const fromJson = parse(jsonDefinition, 'evals/triage.json');
    const fromYaml = parse(yamlDefinition, 'evals/triage.yaml');
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson).toEqual({
      name: 'Support triage',
      data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { expected: { type: 'string' } } }, include_sample_schema: true },
      testing_criteria: [exact, contains],
      metadata: { team: 'support' },
    });
  });

  it('names the eval after its file when it has no name, and trims a given name', () => {
    const { name: _name, ...unnamed } = minimal();
    expect(parse(unnamed, 'evals/qa.eval.yaml').name).toBe('qa');
    expect(parse(unnamed, 'evals/qa.eval.yml').name).toBe('qa');
    expect(parse(unnamed, 'support-triage.json').name).toBe('support-triage');
    expect(parse(unnamed, 'deep/dir/Tone.YAML').name).toBe('Tone');
    expect(parse(unnamed, 'checks.v2.json').name).toBe('checks.v2');
    expect(parse(minimal({ name: '  Padded  ' })).name).toBe('Padded');
  });

  it('defaults metadata to an empty object', () => {
    expect(parse(minimal()).metadata).toEqual({});
  });

  it('refuses text that is not JSON/YAML, naming the file', () => {
    const error = definitionError(() => parse('{"name": "qa", ', 'evals/broken.json'));
    expect(error.message).toMatch(/^evals\/broken\.json: not valid JSON\/YAML: /);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a duplicate key in YAML', () => {
    expect(definitionError(() => parse('name: a\nname: b\ndata_source_config: {type: custom}\ntesting_criteria: []\n', 'x.yaml')).message).toMatch(
      /^x\.yaml: not valid JSON\/YAML/,
    );
  });

  it('refuses a definition that is not an object', () => {
    for (const text of ['[1, 2]', '"just a string"', '42', '']) {
      expect(definitionError(() => parse(text, 'e.yaml')).message).toContain('e.yaml: an eval definition is an object');
    }
  });

  it('names unknown fields', () => {
    const one = definitionError(() => parse(minimal({ graders: [] }), 'e.json'));
    expect(one.message).toBe('e.json: unknown field "graders" (an eval has name, data_source_config, testing_criteria, metadata).');
    const two = definitionError(() => parse(minimal({ graders: [], id: 'eval_1' }), 'e.json'));
    expect(two.message).toContain('unknown fields "graders", "id"');
  });

  it('needs a non-empty string name', () => {
    for (const name of ['', '   ', 42, null]) {
      const error = definitionError(() => parse(minimal({ name }), 'e.json'));
      expect(error.where).toBe('e.json: name');
      expect(error.message).toContain('must be a non-empty string');
    }
  });

  it('needs a data_source_config with a type', () => {
    for (const config of [undefined, 'custom', { item_schema: {} }, { type: 3 }, []]) {
      const error = definitionError(() => parse(minimal({ data_source_config: config }), 'e.json'));
      expect(error.where).toBe('e.json: data_source_config');
    }
  });

  it('needs a non-empty list of testing criteria', () => {
    for (const criteria of [[], undefined, {}, 'Exact']) {
      const error = definitionError(() => parse(minimal({ testing_criteria: criteria }), 'e.json'));
      expect(error.message).toBe('e.json: testing_criteria: must be a non-empty list of graders.');
    }
  });

  it('needs each criterion to be an object with a type and a name, saying which one is wrong', () => {
    expect(definitionError(() => parse(minimal({ testing_criteria: [exact, 'string_check'] }), 'e.json')).message).toBe(
      'e.json: testing_criteria[1]: must be a grader object with a "type".',
    );
    expect(definitionError(() => parse(minimal({ testing_criteria: [{ name: 'x' }] }), 'e.json')).where).toBe('e.json: testing_criteria[0]');
    const unnamed = definitionError(() => parse(minimal({ testing_criteria: [exact, { ...contains, name: ' ' }] }), 'e.json'));
    expect(unnamed.message).toBe('e.json: testing_criteria[1]: the string_check grader needs a "name".');
  });

  it('refuses two criteria with the same name', () => {
    const error = definitionError(() => parse(minimal({ testing_criteria: [exact, contains, { ...contains, name: 'Exact' }] }), 'e.json'));
    expect(error.where).toBe('e.json: testing_criteria[2]');
    expect(error.message).toContain('a second grader is named "Exact"; names must be unique.');
  });

  it('needs metadata to map keys to strings', () => {
    for (const metadata of [{ team: 1 }, { team: 'a', nested: { x: 'y' } }, ['a'], 'team=a', { flag: true }, { none: null }]) {
      const error = definitionError(() => parse(minimal({ metadata }), 'e.json'));
      expect(error.message).toBe('e.json: metadata: must map keys to string values.');
    }
  });
});

describe('checkRunsLocally', () => {
  const definition = (overrides: Partial<EvalDefinition> = {}): EvalDefinition => ({ ...parse(minimal()), ...overrides });

  it('accepts a custom eval whose graders the engine runs', () => {
    expect(() => checkRunsLocally(parse(jsonDefinition), 'triage.json')).not.toThrow();
    const everyType = LOCAL_GRADER_TYPES.map((type, index) => ({ type, name: `g${index}` }));
    expect(() => checkRunsLocally(definition({ testing_criteria: everyType }), 'all.json')).not.toThrow();
  });

  it('refuses logs and stored_completions configs: they read logs stored by OpenAI', () => {
    for (const type of ['logs', 'stored_completions']) {
      const error = definitionError(() => checkRunsLocally(definition({ data_source_config: { type } }), 'evals/prod.json'));
      expect(error.where).toBe('evals/prod.json: data_source_config');
      expect(error.message).toContain(`type "${type}" reads logs stored by OpenAI`);
      expect(error.message).toContain('the local engine runs "custom"');
    }
  });

  it('names an unsupported grader by its index and name, and lists what runs', () => {
    const criteria = [exact, { type: 'multi', name: 'Composite' }, { type: 'endpoint', name: 'Later' }];
    const error = definitionError(() => checkRunsLocally(definition({ testing_criteria: criteria }), 'e.json'));
    expect(error.where).toBe('e.json: testing_criteria[1] ("Composite")');
    expect(error.message).toBe(
      'e.json: testing_criteria[1] ("Composite"): grader type "multi" is not supported by the local engine (it runs string_check, text_similarity, label_model, score_model, python).',
    );
  });
});

describe('createGraders', () => {
  const noModels = () => {
    throw new Error('this eval needs no model endpoint');
  };

  it('builds string_check graders without ever making a model client', () => {
    const graders = createGraders(parse(jsonDefinition), { models: noModels });
    expect(graders.map((grader) => [grader.name, grader.type])).toEqual([
      ['Exact', 'string_check'],
      ['Mentions Paris', 'string_check'],
    ]);
  });

  it('reports an unsupported type before building any grader, even after a badly configured one', () => {
    let modelCalls = 0;
    const models = () => {
      modelCalls++;
      return {} as ModelClient;
    };
    const badStringCheck = { type: 'string_check', name: 'Broken', input: '{{sample.output_text}}', operation: 'eq' };
    const judge = { type: 'label_model', name: 'Judge', model: 'gpt-4o', input: [], labels: ['a'], passing_labels: ['a'] };
    const definition = parse(minimal({ testing_criteria: [badStringCheck, judge, { type: 'multi', name: 'Composite' }] }));

    const error = definitionError(() => createGraders(definition, { models }));

    expect(error.where).toBe('testing_criteria[2] ("Composite")');
    expect(error.message).toContain('grader type "multi" is not supported by the local engine');
    expect(modelCalls).toBe(0);
  });

  it('reports a bad grader config with where it is, as the caller names it', () => {
    const badStringCheck = { type: 'string_check', name: 'Broken', input: '{{sample.output_text}}', operation: 'eq' };
    const error = definitionError(() => createGraders(parse(minimal({ testing_criteria: [exact, badStringCheck] })), { models: noModels }, 'qa.yaml: testing_criteria'));
    expect(error.where).toBe('qa.yaml: testing_criteria[1] ("Broken")');
    expect(error.message).toContain('needs "reference"');
  });

  it('gives each grader its criterionId: the same every time, <name>-<uuid>, unique within the eval', () => {
    const definition = parse(jsonDefinition);
    const first = createGraders(definition, { models: noModels }).map((grader) => grader.id);
    const again = createGraders(parse(yamlDefinition), { models: noModels }).map((grader) => grader.id);

    expect(again).toEqual(first);
    expect(first).toEqual(definition.testing_criteria.map((criterion, index) => criterionId(criterion, index)));
    expect(new Set(first).size).toBe(first.length);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const [index, id] of first.entries()) {
      const name = definition.testing_criteria[index]?.name ?? '';
      expect(id.startsWith(`${name}-`)).toBe(true);
      expect(id.slice(name.length + 1)).toMatch(uuid);
      // Reports read the name back from the id.
      expect(criterionName(id)).toBe(name);
    }
  });
});

describe('criterionId', () => {
  it('changes with the criterion and with its place, and keeps hyphenated names readable', () => {
    const base = criterionId(exact, 0);
    expect(criterionId({ ...exact }, 0)).toBe(base);
    expect(criterionId(exact, 1)).not.toBe(base);
    expect(criterionId({ ...exact, operation: 'ne' }, 0)).not.toBe(base);
    const hyphenated = criterionId({ ...exact, name: 'exact-match-v2' }, 0);
    expect(hyphenated).toMatch(/^exact-match-v2-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(criterionName(hyphenated)).toBe('exact-match-v2');
  });
});
