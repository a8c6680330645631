// Templates checked against the eval's item_schema before any run: graders' and input_messages'
// {{item.…}} paths, a sampled run's {{sample.…}} fields, and items checked with ajv.
import { describe, expect, it } from 'vitest';
import { parseEvalDefinition, type EvalDefinition } from '../../../src/engine/definition.ts';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { compileItemValidator } from '../../../src/engine/item-validator.ts';
import { checkDataSourceTemplates, checkGraderTemplates, SAMPLED_FIELDS } from '../../../src/engine/template-fields.ts';

/** An eval with these criteria and item_schema (null: none). */
function evalWith(criteria: unknown[], itemSchema: unknown = { type: 'object', properties: { question: { type: 'string' }, must_mention: { type: 'string' }, meta: { type: 'object', properties: { lang: {} } } } }): EvalDefinition {
  return parseEvalDefinition(
    JSON.stringify({ name: 'T', data_source_config: { type: 'custom', ...(itemSchema === null ? {} : { item_schema: itemSchema }) }, testing_criteria: criteria }),
    'evals/t.eval.json',
  );
}

const mentions = (reference: string) => ({ type: 'string_check', name: 'Mentions', input: '{{sample.output_text}}', reference, operation: 'ilike' });
const where = 'evals/t.eval.json: testing_criteria';

describe('checkGraderTemplates', () => {
  it('passes templates that name fields the item_schema defines', () => {
    expect(() => checkGraderTemplates(evalWith([mentions('{{item.must_mention}}'), mentions('{{ item.meta.lang }}')].map((c, i) => ({ ...c, name: `M${i}` }))), { where })).not.toThrow();
  });

  it('refuses a typo, naming the grader, the template, the field and the fields there are', () => {
    const check = () => checkGraderTemplates(evalWith([mentions('{{item.must_mention}}'), { ...mentions('{{item.must_mentoin}}'), name: 'Typo' }]), { where });
    expect(check).toThrow(EvalDefinitionError);
    expect(check).toThrow(
      `${where}[1] ("Typo"): {{item.must_mentoin}} names "must_mentoin", which the eval's item_schema does not define (it defines "question", "must_mention", "meta").`,
    );
  });

  it('finds templates in judge messages and in fields of graders only a remote engine runs', () => {
    const judge = { type: 'score_model', name: 'Judge', model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Q: {{item.question}} in {{item.meta.langauge}}' }] }], pass_threshold: 0.5 };
    expect(() => checkGraderTemplates(evalWith([judge]), { where })).toThrow('("Judge"): {{item.meta.langauge}} names "meta.langauge", which the eval\'s item_schema does not define (it defines "lang").');
    const azure = { type: 'azure_ai_evaluator', name: 'Fluency', evaluator_name: 'builtin.fluency', data_mapping: { query: '{{item.querry}}' } };
    expect(() => checkGraderTemplates(evalWith([azure]), { where })).toThrow('{{item.querry}} names "querry"');
  });

  it("does not read a python grader's source as templates", () => {
    const python = { type: 'python', name: 'Py', pass_threshold: 1, source: "def grade(sample, item):\n    return '{{item.nothing}}' != ''\n" };
    expect(() => checkGraderTemplates(evalWith([python]), { where })).not.toThrow();
  });

  it('checks nothing without an item_schema, and refuses a look inside a text field', () => {
    expect(() => checkGraderTemplates(evalWith([mentions('{{item.anything.at.all}}')], null), { where })).not.toThrow();
    expect(() => checkGraderTemplates(evalWith([mentions('{{item.question.text}}')]), { where })).toThrow(
      '{{item.question.text}} looks inside "question", which the eval\'s item_schema says is not an object or a list.',
    );
  });

  it("refuses, for a run that samples, a sample field the engine's samples do not have", () => {
    const definition = evalWith([{ ...mentions('{{item.must_mention}}'), input: '{{sample.output_txt}}' }]);
    expect(() => checkGraderTemplates(definition, { where })).not.toThrow();
    expect(() => checkGraderTemplates(definition, { where, sampleFields: SAMPLED_FIELDS })).toThrow(
      `${where}[0] ("Mentions"): {{sample.output_txt}} names "output_txt", which a sample made by the local engine does not have (it has input, output, output_text,`,
    );
    const nested = evalWith([{ ...mentions('{{item.must_mention}}'), input: '{{sample.output_json.answer}}' }]);
    expect(() => checkGraderTemplates(nested, { where, sampleFields: SAMPLED_FIELDS })).not.toThrow();
  });
});

describe('checkDataSourceTemplates', () => {
  const definition = evalWith([mentions('{{item.must_mention}}')]);

  it("refuses input_messages naming a field the item_schema does not define, and a bad item_reference", () => {
    const template = { type: 'completions', model: 'm', input_messages: { type: 'template', template: [{ role: 'user', content: 'Answer: {{item.questoin}}' }] } };
    expect(() => checkDataSourceTemplates(definition, template, 'input_messages')).toThrow(
      'input_messages.template: {{item.questoin}} names "questoin", which the eval\'s item_schema does not define',
    );
    const reference = { type: 'completions', model: 'm', input_messages: { type: 'item_reference', item_reference: 'item.messages' } };
    expect(() => checkDataSourceTemplates(definition, reference, 'input_messages')).toThrow('input_messages.item_reference: {{item.messages}} names "messages"');
    const good = { type: 'completions', model: 'm', input_messages: { type: 'template', template: [{ role: 'user', content: '{{item.question}}' }] } };
    expect(() => checkDataSourceTemplates(definition, good, 'input_messages')).not.toThrow();
    expect(() => checkDataSourceTemplates(definition, { type: 'jsonl' }, 'input_messages')).not.toThrow();
  });
});

describe('compileItemValidator', () => {
  const validate = compileItemValidator(
    {
      type: 'object',
      properties: { question: { type: 'string' }, level: { enum: ['easy', 'hard'] }, meta: { type: 'object', properties: { 'a/b': { type: 'number' } } } },
      required: ['question'],
      additionalProperties: false,
    },
    'item_schema',
  );

  it('says what is wrong with an item, where', () => {
    expect(validate({ question: 'q' })).toBeNull();
    expect(validate({})).toBe("the item must have required property 'question'");
    expect(validate({ question: 4 })).toBe('item.question must be string');
    expect(validate({ question: 'q', level: 'medium' })).toBe('item.level must be equal to one of the allowed values: ["easy","hard"]');
    expect(validate({ question: 'q', extra: 1 })).toBe('the item must NOT have additional properties ("extra")');
    expect(validate({ question: 'q', meta: { 'a/b': 'x' } })).toBe('item.meta.a/b must be number');
  });

  it('reads draft 2020-12 by default, older drafts when $schema says so or the schema needs them, and ignores format', () => {
    const tuple = { type: 'array', items: [{ type: 'string' }], additionalItems: false };
    expect(compileItemValidator({ type: 'object', properties: { t: tuple } }, 'x')({ t: ['a', 'b'] })).toMatch(/must NOT have more than 1 items/);
    const draft7 = compileItemValidator({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { a: { type: 'integer' } } }, 'x');
    expect(draft7({ a: 1.5 })).toBe('item.a must be integer');
    const prefix = compileItemValidator({ properties: { p: { prefixItems: [{ type: 'number' }] } } }, 'x');
    expect(prefix({ p: ['x'] })).toBe('item.p.0 must be number');
    expect(compileItemValidator({ properties: { when: { type: 'string', format: 'date' } } }, 'x')({ when: 'not a date' })).toBeNull();
  });

  it('refuses a schema it cannot compile, naming where it is', () => {
    expect(() => compileItemValidator({ type: 'objekt' }, 'evals/t.eval.json: data_source_config.item_schema')).toThrow(EvalDefinitionError);
    expect(() => compileItemValidator({ type: 'objekt' }, 'evals/t.eval.json: data_source_config.item_schema')).toThrow(
      'evals/t.eval.json: data_source_config.item_schema: is not a JSON Schema the engine can use:',
    );
    expect(() => compileItemValidator({ $ref: 'https://example.com/schema.json' }, 'w')).toThrow("can't resolve reference");
    expect(() => compileItemValidator('object', 'w')).toThrow('w: must be a JSON Schema object, not "object".');
  });
});
