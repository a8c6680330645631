// The string_check grader: eq/ne compare exactly, like/ilike test containment (ilike with JavaScript's
// toLowerCase, no full Unicode case folding), templates on both sides, and config errors at construction.
import { describe, expect, it } from 'vitest';
import { EvalDefinitionError } from '../../../src/engine/definition-error.ts';
import { check, createStringCheckGrader } from '../../../src/engine/graders/string-check.ts';
import { TemplateError } from '../../../src/engine/template.ts';

const noAbort = new AbortController().signal;
const WHERE = 'testing_criteria[0] ("Exact")';

function grader(operation: unknown, overrides: Record<string, unknown> = {}) {
  return createStringCheckGrader(
    { type: 'string_check', name: 'Exact', input: '{{sample.output_text}}', reference: '{{item.expected}}', operation, ...overrides },
    'Exact-0000',
    WHERE,
  );
}

const grade = (operation: string, output: string, expected: string) =>
  grader(operation).grade({ item: { expected }, sample: { output_text: output } }, noAbort);

describe('check', () => {
  it('eq and ne compare the whole strings, case and spaces included', () => {
    expect(check('eq', 'Paris', 'Paris')).toBe(true);
    expect(check('eq', 'Paris', 'paris')).toBe(false);
    expect(check('eq', 'Paris ', 'Paris')).toBe(false);
    expect(check('eq', '', '')).toBe(true);
    expect(check('ne', 'Paris', 'paris')).toBe(true);
    expect(check('ne', 'Paris', 'Paris')).toBe(false);
  });

  it('like passes when the input contains the reference, with case', () => {
    expect(check('like', 'The capital is Paris.', 'Paris')).toBe(true);
    expect(check('like', 'The capital is paris.', 'Paris')).toBe(false);
    expect(check('like', 'Paris', 'The capital is Paris')).toBe(false);
    // SQL wildcards have no meaning: like is plain containment.
    expect(check('like', 'Paris', '%aris')).toBe(false);
    expect(check('like', 'anything', '')).toBe(true);
  });

  it('ilike passes when the input contains the reference, ignoring case', () => {
    expect(check('ilike', 'The capital is PARIS.', 'paris')).toBe(true);
    expect(check('ilike', 'the capital is paris', 'PaRiS')).toBe(true);
    expect(check('ilike', 'Lyon', 'paris')).toBe(false);
  });

  it('ilike folds case as JavaScript toLowerCase does', () => {
    // Accented and non-Latin letters have simple lower-case forms.
    expect(check('ilike', 'ÉCOLE NORMALE', 'école')).toBe(true);
    expect(check('ilike', 'ПРИВЕТ мир', 'привет')).toBe(true);
    expect(check('ilike', 'ΑΘΗΝΑ', 'αθηνα')).toBe(true);
    // toLowerCase is not full case folding: ß does not match SS, and İ lowers to i + a combining dot.
    expect(check('ilike', 'STRASSE', 'straße')).toBe(false);
    expect(check('ilike', 'Straße', 'STRASSE')).toBe(false);
    expect(check('ilike', 'İstanbul', 'istanbul')).toBe(false);
    // Final sigma: "ΟΔΟΣ" lowers to "οδος" with ς, so a reference spelled with σ does not match.
    expect('ΟΔΟΣ'.toLowerCase()).toBe('οδος');
    expect(check('ilike', 'ΟΔΟΣ', 'οδοσ')).toBe(false);
    expect(check('ilike', 'ΟΔΟΣ', 'ΟΔΟΣ')).toBe(true);
    // Emoji and other uncased text compare as they are.
    expect(check('ilike', 'Done 🚀 OK', '🚀 ok')).toBe(true);
  });

  it('compares code units: composed and decomposed accents are different strings', () => {
    expect(check('eq', 'caf\u00e9', 'cafe\u0301')).toBe(false);
    expect(check('ilike', 'CAF\u00c9', 'caf\u00e9')).toBe(true);
  });
});

describe('createStringCheckGrader', () => {
  it('scores 1 and passes when the check holds, 0 and fails when it does not', async () => {
    await expect(grade('eq', '4', '4')).resolves.toEqual({ score: 1, passed: true });
    await expect(grade('eq', '5', '4')).resolves.toEqual({ score: 0, passed: false });
    await expect(grade('ne', '5', '4')).resolves.toEqual({ score: 1, passed: true });
    await expect(grade('ne', '4', '4')).resolves.toEqual({ score: 0, passed: false });
    await expect(grade('like', 'It is 4.', '4')).resolves.toEqual({ score: 1, passed: true });
    await expect(grade('ilike', 'It is PARIS.', 'paris')).resolves.toEqual({ score: 1, passed: true });
    await expect(grade('ilike', 'It is Lyon.', 'paris')).resolves.toEqual({ score: 0, passed: false });
  });

  it('takes neq, as OpenAI\'s graders guide spells it, for ne', async () => {
    await expect(grade('neq', '5', '4')).resolves.toEqual({ score: 1, passed: true });
    await expect(grade('neq', '4', '4')).resolves.toEqual({ score: 0, passed: false });
  });

  it('keeps the id, name and type it was given', () => {
    expect(grader('eq')).toMatchObject({ id: 'Exact-0000', name: 'Exact', type: 'string_check' });
  });

  it('renders both sides as templates; a literal reference is text, a number is compared as JSON', async () => {
    const literal = grader('ilike', { reference: 'paris' });
    await expect(literal.grade({ item: {}, sample: { output_text: 'Paris!' } }, noAbort)).resolves.toEqual({ score: 1, passed: true });
    const numeric = grader('eq', { input: '{{item.answer}}', reference: '{{sample.output_json.value}}' });
    await expect(numeric.grade({ item: { answer: 42 }, sample: { output_json: { value: 42 } } }, noAbort)).resolves.toEqual({ score: 1, passed: true });
    await expect(numeric.grade({ item: { answer: '42' }, sample: { output_json: { value: 42 } } }, noAbort)).resolves.toEqual({ score: 1, passed: true });
  });

  it('fails the item, not the grader, when a template refers to something missing', async () => {
    const checker = grader('eq');
    const error = await checker.grade({ item: { question: 'q' }, sample: { output_text: 'x' } }, noAbort).then(
      () => expect.fail('expected a rejection'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toContain('{{item.expected}}');
    // The same grader grades the next item normally.
    await expect(checker.grade({ item: { expected: 'x' }, sample: { output_text: 'x' } }, noAbort)).resolves.toEqual({ score: 1, passed: true });
  });

  it('refuses an operation it does not know, showing what it got', () => {
    for (const [operation, shown] of [
      ['contains', '"contains"'],
      ['EQ', '"EQ"'],
      ['NEQ', '"NEQ"'],
      ['constructor', '"constructor"'],
      [1, '1'],
      [undefined, 'undefined'],
    ] as const) {
      const build = () => grader(operation);
      expect(build).toThrow(EvalDefinitionError);
      expect(build).toThrow(`${WHERE}: "operation" must be one of eq, ne (or neq), like, ilike; got ${shown}.`);
    }
  });

  it('needs input and reference templates, naming the missing field', () => {
    expect(() => grader('eq', { input: undefined })).toThrow(`${WHERE}: the string_check grader needs "input"`);
    expect(() => grader('eq', { reference: undefined })).toThrow(`${WHERE}: the string_check grader needs "reference"`);
    expect(() => grader('eq', { reference: 4 })).toThrow('needs "reference"');
    expect(() => grader('eq', { input: ['{{sample.output_text}}'] })).toThrow('needs "input"');
  });
});
