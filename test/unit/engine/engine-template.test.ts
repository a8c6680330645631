// The engine's templates: `{{item.x}}` / `{{ sample.y }}` paths, what is inserted for each kind of value,
// the errors that name a path leading nowhere, and message templates in their three content shapes.
import { describe, expect, it } from 'vitest';
import { lookUp, renderMessages, renderTemplate, TemplateError, templatePaths, type TemplateScope } from '../../../src/engine/template.ts';

const scope: TemplateScope = {
  item: {
    question: 'What is 2+2?',
    expected: '4',
    meta: { lang: 'en', tags: ['math', 'easy'], depth: { level: 3 } },
    choices: ['four', 'five'],
    count: 4,
    ratio: 0.5,
    flag: false,
    nothing: null,
    empty: '',
    rows: [{ name: 'first' }, { name: 'second' }],
  },
  sample: { output_text: 'The answer is 4', output_json: { answer: 4 } },
};

function thrown(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  return expect.fail('expected a TemplateError');
}

describe('renderTemplate', () => {
  it('inserts item and sample fields, with or without spaces inside the braces', () => {
    expect(renderTemplate('Q: {{item.question}} A: {{ sample.output_text }}', scope)).toBe('Q: What is 2+2? A: The answer is 4');
    expect(renderTemplate('{{   item.expected\t}}|{{\nitem.expected\n}}', scope)).toBe('4|4');
  });

  it('follows nested paths and array indexes', () => {
    expect(renderTemplate('{{item.meta.lang}}', scope)).toBe('en');
    expect(renderTemplate('{{item.meta.depth.level}}', scope)).toBe('3');
    expect(renderTemplate('{{item.choices.1}}', scope)).toBe('five');
    expect(renderTemplate('{{item.meta.tags.0}}', scope)).toBe('math');
    expect(renderTemplate('{{item.rows.1.name}}', scope)).toBe('second');
    expect(renderTemplate('{{sample.output_json.answer}}', scope)).toBe('4');
  });

  it('inserts strings as they are and everything else as JSON', () => {
    expect(renderTemplate('[{{item.empty}}]', scope)).toBe('[]');
    expect(renderTemplate('{{item.count}} {{item.ratio}} {{item.flag}} {{item.nothing}}', scope)).toBe('4 0.5 false null');
    expect(renderTemplate('{{item.choices}}', scope)).toBe('["four","five"]');
    expect(renderTemplate('{{item.meta.depth}}', scope)).toBe('{"level":3}');
    expect(renderTemplate('{{sample.output_json}}', scope)).toBe('{"answer":4}');
    // A string that looks like JSON is still a string: no quotes are added.
    expect(renderTemplate('{{item.x}}', { item: { x: '"quoted"' } })).toBe('"quoted"');
  });

  it('renders the whole item or sample when the path is just the root', () => {
    expect(renderTemplate('{{item}}', { item: { a: 1 } })).toBe('{"a":1}');
    expect(renderTemplate('{{sample}}', { item: {}, sample: { b: 'x' } })).toBe('{"b":"x"}');
  });

  it('leaves text without placeholders, and inserted text, untouched', () => {
    expect(renderTemplate('no placeholders { here } {x}', scope)).toBe('no placeholders { here } {x}');
    // An inserted value that itself looks like a template is not rendered again.
    expect(renderTemplate('{{item.t}}', { item: { t: '{{item.t}} $& $1' } })).toBe('{{item.t}} $& $1');
    expect(renderTemplate('', scope)).toBe('');
  });

  it('renders unicode values intact', () => {
    expect(renderTemplate('«{{item.q}}»', { item: { q: 'naïve café 日本語 🚀' } })).toBe('«naïve café 日本語 🚀»');
  });

  it('names a missing path in its error', () => {
    const error = thrown(() => renderTemplate('Q: {{item.missing}}', scope));
    expect(error.message).toContain('{{item.missing}}');
    expect(error.message).toContain('the item has no "missing"');

    const nested = thrown(() => renderTemplate('{{ item.meta.country }}', scope));
    expect(nested.message).toContain('{{item.meta.country}}');
    expect(nested.message).toContain('"meta.country"');

    expect(thrown(() => renderTemplate('{{item.choices.7}}', scope)).message).toContain('{{item.choices.7}}');
    // Through a string or a null, a path leads nowhere too.
    expect(thrown(() => renderTemplate('{{item.question.length}}', scope)).message).toContain('{{item.question.length}}');
    expect(thrown(() => renderTemplate('{{item.nothing.x}}', scope)).message).toContain('{{item.nothing.x}}');
    expect(thrown(() => renderTemplate('{{sample.output_text_typo}}', scope)).message).toContain('the sample has no "output_text_typo"');
  });

  it('does not reach into inherited properties', () => {
    expect(() => renderTemplate('{{item.toString}}', scope)).toThrow(TemplateError);
    expect(() => renderTemplate('{{item.meta.constructor}}', scope)).toThrow(TemplateError);
  });

  it('treats a field that is present but undefined as missing', () => {
    expect(() => renderTemplate('{{item.gone}}', { item: { gone: undefined } })).toThrow('{{item.gone}}');
  });

  it('says when a template refers to the sample of an item that has none', () => {
    for (const sample of [undefined, null]) {
      const error = thrown(() => renderTemplate('{{sample.output_text}}', { item: { q: 1 }, sample }));
      expect(error.message).toContain('{{sample.output_text}}');
      expect(error.message).toMatch(/refers to the sample, but this item has none/);
    }
    // Templates of the item alone still render without a sample.
    expect(renderTemplate('{{item.q}}', { item: { q: 1 } })).toBe('1');
  });

  it('refuses roots other than item and sample', () => {
    for (const path of ['items.question', 'question', 'env.HOME', 'Item.question', '']) {
      const error = thrown(() => renderTemplate(`{{${path}}}`, scope));
      expect(error.message).toContain('must start with "item." or "sample."');
    }
  });
});

describe('lookUp', () => {
  it('returns the value itself, not its text', () => {
    expect(lookUp('item.meta', scope)).toEqual({ lang: 'en', tags: ['math', 'easy'], depth: { level: 3 } });
    expect(lookUp('item.count', scope)).toBe(4);
    expect(lookUp('item.nothing', scope)).toBeNull();
    expect(lookUp('sample.output_json.answer', scope)).toBe(4);
  });

  it('throws a TemplateError naming the path', () => {
    expect(() => lookUp('item.meta.nope', scope)).toThrow(TemplateError);
    expect(() => lookUp('item.meta.nope', scope)).toThrow('{{item.meta.nope}}');
  });
});

describe('templatePaths', () => {
  it('lists each placeholder path, trimmed, in order', () => {
    expect(templatePaths('{{item.a}} and {{ sample.b.c }} and {{item.a}}')).toEqual(['item.a', 'sample.b.c', 'item.a']);
    expect(templatePaths('nothing here')).toEqual([]);
  });
});

describe('renderMessages', () => {
  it('renders string content, an input_text part and a list of parts (joined by newlines)', () => {
    const template = [
      { role: 'system', content: 'You grade answers in {{item.meta.lang}}.' },
      { type: 'message', role: 'user', content: { type: 'input_text', text: 'Question: {{item.question}}' } },
      {
        role: 'assistant',
        content: [
          { type: 'output_text', text: 'Answer: {{sample.output_text}}' },
          { type: 'input_text', text: 'Expected: {{ item.expected }}' },
          'Plain part {{item.count}}',
        ],
      },
    ];
    expect(renderMessages(template, scope, 'input')).toEqual([
      { role: 'system', content: 'You grade answers in en.' },
      { role: 'user', content: 'Question: What is 2+2?' },
      { role: 'assistant', content: 'Answer: The answer is 4\nExpected: 4\nPlain part 4' },
    ]);
  });

  it('makes a message without a role a user message', () => {
    expect(renderMessages([{ content: 'hi {{item.expected}}' }], scope, 'input')).toEqual([{ role: 'user', content: 'hi 4' }]);
  });

  it('says where a template that is not a list of messages is', () => {
    expect(() => renderMessages('just text', scope, 'testing_criteria[0].input')).toThrow('testing_criteria[0].input must be a list of messages');
    expect(() => renderMessages([null], scope, 'input')).toThrow('input[0] is not a message');
    expect(() => renderMessages(['text'], scope, 'input')).toThrow('input[0] is not a message');
  });

  it('says where content of the wrong shape is', () => {
    const error = thrown(() => renderMessages([{ role: 'user', content: 'ok' }, { role: 'user', content: 42 }], scope, 'input'));
    expect(error.message).toBe('input[1].content must be text, an input_text part or a list of parts');
    expect(() => renderMessages([{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }], scope, 'input')).toThrow(
      'input[0].content[0] must be text',
    );
    expect(() => renderMessages([{ role: 'user' }], scope, 'input')).toThrow('input[0].content must be text');
  });

  it('passes a missing path through as a TemplateError naming it', () => {
    const error = thrown(() => renderMessages([{ role: 'user', content: [{ type: 'input_text', text: '{{item.nope}}' }] }], scope, 'input'));
    expect(error.message).toContain('{{item.nope}}');
  });
});
