// Whether an item_schema defines the field a template names: properties at each level, what
// additionalProperties and patternProperties allow, list indexes, $ref, combinators, and levels the
// schema leaves open.
import { describe, expect, it } from 'vitest';
import { lookUpField } from '../../../src/engine/item-schema.ts';

const path = (text: string) => text.split('.');
const defined = (schema: unknown, at: string) => lookUpField(schema, path(at)).defined;

const SUPPORT = {
  type: 'object',
  properties: {
    question: { type: 'string' },
    expected: { type: 'string' },
    meta: { type: 'object', properties: { lang: { type: 'string' } }, additionalProperties: false },
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'object', properties: { x: { type: 'number' } } }], items: false },
    extra: { type: 'object' },
  },
  required: ['question'],
};

describe('lookUpField', () => {
  it('finds the fields a level lists, at any depth', () => {
    expect(defined(SUPPORT, 'question')).toBe(true);
    expect(defined(SUPPORT, 'meta.lang')).toBe(true);
    expect(defined(SUPPORT, 'tags.3.name')).toBe(true);
    expect(defined(SUPPORT, 'pair.0')).toBe(true);
    expect(defined(SUPPORT, 'pair.1.x')).toBe(true);
  });

  it('says where a path goes astray and what that level defines', () => {
    expect(lookUpField(SUPPORT, path('must_mentoin'))).toEqual({
      defined: false,
      at: ['must_mentoin'],
      known: ['question', 'expected', 'meta', 'tags', 'pair', 'extra'],
      why: 'undefined',
    });
    expect(lookUpField(SUPPORT, path('meta.langauge'))).toMatchObject({ defined: false, at: ['meta', 'langauge'], known: ['lang'] });
    expect(lookUpField(SUPPORT, path('tags.0.title'))).toMatchObject({ defined: false, at: ['tags', '0', 'title'], known: ['name'] });
    expect(lookUpField(SUPPORT, path('pair.1.y'))).toMatchObject({ defined: false, at: ['pair', '1', 'y'], known: ['x'] });
  });

  it('refuses to look inside a field the schema says is text or a number', () => {
    expect(lookUpField(SUPPORT, path('question.text'))).toMatchObject({ defined: false, at: ['question', 'text'], why: 'not-an-object' });
  });

  it('leaves open what the schema does not constrain', () => {
    expect(defined(SUPPORT, 'extra.anything.deep')).toBe(true);
    expect(defined({ type: 'object' }, 'anything')).toBe(true);
    expect(defined({}, 'anything')).toBe(true);
    expect(defined(true, 'anything')).toBe(true);
    expect(defined({ type: 'object', properties: { a: {} } }, 'a.b.c')).toBe(true);
    expect(defined({ type: 'array' }, '0.x')).toBe(true);
  });

  it('follows additionalProperties and patternProperties', () => {
    expect(defined({ properties: { a: {} }, additionalProperties: true }, 'b')).toBe(true);
    expect(defined({ properties: { a: {} }, additionalProperties: { type: 'object', properties: { c: {} } } }, 'b.c')).toBe(true);
    expect(defined({ properties: { a: {} }, additionalProperties: { type: 'object', properties: { c: {} } } }, 'b.d')).toBe(false);
    expect(defined({ properties: { a: {} }, additionalProperties: false }, 'b')).toBe(false);
    expect(defined({ additionalProperties: false }, 'b')).toBe(false);
    expect(defined({ patternProperties: { '^x_': { type: 'string' } } }, 'x_one')).toBe(true);
    expect(defined({ patternProperties: { '^x_': { type: 'string' } } }, 'y_one')).toBe(false);
    expect(defined({ properties: { a: false } }, 'a')).toBe(false);
  });

  it('follows local $refs, and leaves open what it cannot follow', () => {
    const schema = {
      $defs: { message: { type: 'object', properties: { role: {}, content: {} }, additionalProperties: false } },
      type: 'object',
      properties: { messages: { type: 'array', items: { $ref: '#/$defs/message' } }, remote: { $ref: 'https://example.com/x.json' } },
    };
    expect(defined(schema, 'messages.0.content')).toBe(true);
    expect(lookUpField(schema, path('messages.0.text'))).toMatchObject({ defined: false, known: ['role', 'content'] });
    expect(defined(schema, 'remote.anything')).toBe(true);
    // A recursive schema does not loop.
    const tree = { $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' };
    expect(defined(tree, Array.from({ length: 200 }, () => 'child').join('.'))).toBe(true);
    expect(defined(tree, 'child.child.name')).toBe(false);
  });

  it('takes a field any branch of allOf, anyOf or oneOf defines', () => {
    const spread = { allOf: [{ properties: { a: {} } }, { properties: { b: {} } }] };
    expect(defined(spread, 'a')).toBe(true);
    expect(defined(spread, 'b')).toBe(true);
    expect(lookUpField(spread, path('c'))).toMatchObject({ defined: false, known: ['a', 'b'] });
    expect(defined({ anyOf: [{ type: 'string' }, { type: 'object', properties: { text: {} } }] }, 'text')).toBe(true);
    expect(defined({ oneOf: [{ properties: { a: {} }, additionalProperties: false }, {}] }, 'z')).toBe(true);
  });
});
