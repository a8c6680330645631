import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from '../../../src/shared/redact.ts';

const SECRET = 'sk-proj-abcdef123456';

describe('redactDeep', () => {
  it('takes every secret out of every string, however deep, and leaves the input as it was', () => {
    const input = { run: { name: `run ${SECRET}`, metadata: { note: [`a ${SECRET} b`, 'clean'] } }, score: 0.5, missing: null };
    const before = structuredClone(input);
    const out = redactDeep(input, [SECRET]);
    expect(out).toEqual({ run: { name: 'run ***', metadata: { note: ['a *** b', 'clean'] } }, score: 0.5, missing: null });
    expect(input).toEqual(before);
  });

  it('hands back what holds no secret as it is, and copies only the path to a string that held one', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), contentHash: `hash${i}`, outcome: 'pass' }));
    const record = { header: { run: { id: 'evalrun_1' } }, items };
    expect(redactDeep(record, [SECRET])).toBe(record);

    const leaked = { ...record, items: [...items.slice(0, 500), { id: SECRET, contentHash: 'h', outcome: 'fail' }, ...items.slice(500)] };
    const out = redactDeep(leaked, [SECRET]);
    expect(out).not.toBe(leaked);
    expect(out.items[500]).toEqual({ id: '***', contentHash: 'h', outcome: 'fail' });
    expect(out.header).toBe(leaked.header);
    expect(out.items[0]).toBe(items[0]);
    expect(leaked.items[500]?.id).toBe(SECRET);
  });

  it('ignores secrets too short to redact, as redactSecrets does', () => {
    const value = { word: 'abc is a word' };
    expect(redactDeep(value, ['abc'])).toBe(value);
    expect(redactSecrets('abc is a word', ['abc'])).toBe('abc is a word');
  });
});
