import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMA, RECORD_VERSION } from '../../../src/history/record-format.ts';
import { MAX_ITEM_LINE_BYTES, readRecord } from '../../../src/history/read-record.ts';
import { RecordItems } from '../../../src/history/record-items.ts';
import { grade } from '../../support/analysis-fixtures.ts';
import { chunked, item, record } from '../../support/history-fixtures.ts';

const source = 'The record in artifact 1';

describe('the results record', () => {
  it('starts with a versioned header and has one compact line per item', () => {
    const { text } = record([item(0), item(1, 'fail'), item(2, 'error')]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({
      schema: RECORD_SCHEMA,
      version: RECORD_VERSION,
      gate_key: 'support',
      event: 'push',
      branch: 'main',
      workflow_run: { id: '100', attempt: 1 },
      dataset: { kind: 'jsonl' },
      counts: { total: 3, passed: 1, failed: 1, errored: 1, skipped: 0 },
      items: { count: 3, criteria: ['Exact answer', 'Mentions'], columns: ['datasource_item_id', 'content_hash', 'outcome', 'states'] },
    });
    expect(lines.slice(1)).toEqual(['["0","hash000000000000","p","pp"]', '["1","hash000000000001","f","ff"]', '["2","hash000000000002","e","ee"]']);
  });

  it('reads back what it wrote, from chunks that split lines and characters anywhere', async () => {
    const written = record([item(0), { ...item(1, 'fail'), datasourceItemId: 'é✓ id' }, { ...item(2), datasourceItemId: null }]);
    for (const size of [1, 3, 7, 1000]) {
      const read = await readRecord(chunked(written.text, size), { source });
      expect(read).toEqual({ kind: 'record', record: { header: written.header, items: written.items } });
    }
  });

  it('keeps only the failing items when told, its header counting every item and naming the fingerprint given', async () => {
    const counts = { total: 10, passed: 8, failed: 1, errored: 1, skipped: 0 };
    const written = record([item(3, 'fail'), item(7, 'error')], { kept: 'failing', counts, datasetFingerprint: 'source0123456789' });
    expect(written.header.items).toMatchObject({ count: 2, kept: 'failing' });
    expect(written.header).toMatchObject({ counts, dataset: { kind: 'jsonl', fingerprint: 'source0123456789' } });
    const read = await readRecord(chunked(written.text, 5), { source });
    expect(read).toEqual({ kind: 'record', record: { header: written.header, items: written.items } });
  });

  it('reads a record written before `items.kept` existed as one that keeps every item', async () => {
    const written = record([item(0), item(1, 'fail')]);
    expect(written.header.items.kept).toBe('all');
    const [first = '', ...rest] = written.text.trimEnd().split('\n');
    const header = JSON.parse(first) as { items: Record<string, unknown> };
    delete header.items.kept;
    const read = await readRecord(chunked([JSON.stringify(header), ...rest].join('\n')), { source });
    expect(read.kind === 'record' && read.record.header.items.kept).toBe('all');
  });

  it('pads the states of items graded before a criterion first appeared', () => {
    const items = new RecordItems();
    items.add({ ...item(0), grades: [grade('A', true)] });
    items.add({ ...item(1), grades: [grade('A', false), grade('B', true)] });
    items.add({ ...item(2), outcome: 'skipped', grades: [grade('B', null)] });
    expect(items.criteria).toEqual(['A', 'B']);
    expect(items.padded().map((entry) => entry.states)).toEqual(['p-', 'fp', '--']);
  });

  it('keeps 100,000 items within a few MB', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => item(i, i % 7 === 0 ? 'fail' : 'pass'));
    const { text } = record(items);
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(100_000 * 20);
  });

  it('has the same dataset fingerprint for the same items in any order, and another for other items', () => {
    const a = record([item(0), item(1), item(2)]).header.dataset.fingerprint;
    const b = record([item(2, 'fail'), item(0), item(1)]).header.dataset.fingerprint;
    const c = record([item(0), item(1), item(3)]).header.dataset.fingerprint;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('stops after the header when only the header is wanted', async () => {
    const { text, header } = record([item(0), item(1)]);
    let pulled = 0;
    async function* counting() {
      for await (const chunk of chunked(text, 16)) {
        pulled++;
        yield chunk;
      }
    }
    const read = await readRecord(counting(), { source, headerOnly: true });
    expect(read).toEqual({ kind: 'header', header });
    expect(pulled).toBeLessThan(Math.ceil(Buffer.byteLength(text) / 16));
  });

  it('skips a record whose header is refused, before reading its items', async () => {
    const { text } = record([item(0)]);
    const read = await readRecord(chunked(text), { source, accept: (header) => (header.event === 'push' ? 'no pushes today' : null) });
    expect(read).toEqual({ kind: 'skipped', note: `${source} was skipped: no pushes today.` });
  });
});

describe('records that are not read', () => {
  const lines = (text: string) => text.trimEnd().split('\n');
  const withHeader = (change: (header: Record<string, unknown>) => void) => {
    const [first = '', ...rest] = lines(record([item(0), item(1)]).text);
    const header = JSON.parse(first) as Record<string, unknown>;
    change(header);
    return [JSON.stringify(header), ...rest].join('\n');
  };
  const skipped = async (text: string) => {
    const read = await readRecord(chunked(text), { source });
    expect(read.kind).toBe('skipped');
    return read.kind === 'skipped' ? read.note : '';
  };

  it('skips a record of an unknown version, saying which', async () => {
    expect(await skipped(withHeader((header) => (header.version = 2)))).toBe(
      `${source} was skipped: it is a record of version 2, and this evals-gate reads version 1 only.`,
    );
  });

  it('skips what is not a record at all', async () => {
    expect(await skipped('{"version":1,"eval_id":"eval_1"}\n')).toMatch(/not an evals-gate results record/);
    expect(await skipped('PK\u0003\u0004 zipped')).toMatch(/first line is not JSON/);
    expect(await skipped('')).toMatch(/it is empty/);
  });

  it('skips a header with a field of the wrong type, naming it', async () => {
    expect(await skipped(withHeader((header) => (header.score = '80%')))).toMatch(/"score" is missing or malformed/);
    expect(await skipped(withHeader((header) => ((header.counts as Record<string, unknown>).total = -1)))).toMatch(/"counts.total"/);
    expect(await skipped(withHeader((header) => delete header.gate_key))).toMatch(/"gate_key"/);
  });

  it('skips a record that keeps only its failing items but holds a passing one, and one that keeps something else', async () => {
    const failingOnly = (items: ReturnType<typeof item>[]) => record(items, { kept: 'failing' }).text;
    expect(await skipped(failingOnly([item(1, 'fail'), item(2)]))).toBe(`${source} was skipped: it keeps only its failing items, but its line 3 is a passing one.`);
    expect(await skipped(withHeader((header) => ((header.items as Record<string, unknown>).kept = 'some')))).toMatch(/"items.kept" is missing or malformed/);
  });

  it('skips a truncated record and one with more items than announced', async () => {
    const text = record([item(0), item(1), item(2)]).text;
    expect(await skipped(lines(text).slice(0, 3).join('\n'))).toMatch(/truncated \(2 of 3 items\)/);
    expect(await skipped(`${text}["9","hash9","p","pp"]\n`)).toMatch(/more item lines than the 3/);
  });

  it('skips malformed item lines, naming the line', async () => {
    const [header = '', first = ''] = lines(record([item(0), item(1)]).text);
    for (const bad of ['["1","hash1","x","pp"]', '["1","hash1","p","p"]', '["1","","p","pp"]', '[1,"hash1","p","pp"]', '["1","hash1","constructor","pp"]', '{"id":"1"}']) {
      expect(await skipped([header, first, bad].join('\n'))).toMatch(/its line 3 is not an item/);
    }
  });

  it('stops at a line longer than a record ever has, without holding it whole', async () => {
    const [header = ''] = lines(record([item(0)]).text);
    async function* endless() {
      yield new TextEncoder().encode(`${header}\n["`);
      for (let i = 0; i < 1000; i++) yield new Uint8Array(1024).fill(0x61);
      throw new Error('read too far');
    }
    const read = await readRecord(endless(), { source });
    expect(read).toEqual({ kind: 'skipped', note: `${source} was skipped: a line is longer than ${MAX_ITEM_LINE_BYTES} bytes.` });
  });

  it('skips bytes that are not UTF-8', async () => {
    async function* bytes() {
      yield new Uint8Array([0xff, 0xfe, 0x0a]);
    }
    expect((await readRecord(bytes(), { source })).kind).toBe('skipped');
  });
});
