import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { datasetFingerprint, fingerprint } from '../../../src/shared/fingerprint.ts';

describe('fingerprint', () => {
  it('is 16 hex characters, the same for equal data whatever the key order', () => {
    const a = fingerprint({ type: 'file_content', content: [{ item: { q: '2+2', a: '4' } }] });
    const b = fingerprint({ content: [{ item: { a: '4', q: '2+2' } }], type: 'file_content' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it('differs when a value, the row order or a type differs', () => {
    const base = fingerprint([{ q: 1 }, { q: 2 }]);
    expect(fingerprint([{ q: 2 }, { q: 1 }])).not.toBe(base);
    expect(fingerprint([{ q: '1' }, { q: 2 }])).not.toBe(base);
    expect(fingerprint([{ q: 1 }, { q: 2 }, { q: 3 }])).not.toBe(base);
  });

  it('reads undefined as JSON does: absent in objects, null in arrays', () => {
    expect(fingerprint({ a: 1, b: undefined })).toBe(fingerprint({ a: 1 }));
    expect(fingerprint([undefined])).toBe(fingerprint([null]));
    expect(fingerprint(null)).toBe(fingerprint(null));
    expect(fingerprint(undefined)).toBe(fingerprint(null));
  });

  it('is the start of the SHA-256 of the JSON with sorted keys, for small values and ones larger than a hashing chunk', () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
    expect(fingerprint({ b: [1, 'two', null], a: { d: true, c: 'é' } })).toBe(sha('{"a":{"c":"é","d":true},"b":[1,"two",null]}'));
    const rows = Array.from({ length: 5000 }, (_, i) => ({ q: `question ${i}`, a: i }));
    expect(fingerprint(rows)).toBe(sha(JSON.stringify(rows.map(({ q, a }) => ({ a, q })))));
  });

  it('handles 100,000 rows', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ item: { input: `question ${i}`, expected: String(i) } }));
    expect(fingerprint(rows)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('datasetFingerprint', () => {
  const rows = (outputs: string[]) => ({
    type: 'file_content',
    content: outputs.map((output, i) => ({ item: { q: `question ${i}` }, sample: { output_text: output } })),
  });

  it('of inline rows counts the items, not the pre-generated samples (the outputs under test)', () => {
    expect(datasetFingerprint(rows(['a', 'b']))).toBe(datasetFingerprint(rows(['x', 'y'])));
    expect(datasetFingerprint(rows(['a', 'b', 'c']))).not.toBe(datasetFingerprint(rows(['a', 'b'])));
  });

  it('of other sources is the fingerprint of the source', () => {
    const source = { type: 'file_id', id: 'file-1' };
    expect(datasetFingerprint(source)).toBe(fingerprint(source));
    expect(datasetFingerprint({ type: 'file_id', id: 'file-2' })).not.toBe(datasetFingerprint(source));
  });
});
