import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordFile } from '../../../src/history/read-record-file.ts';
import { resultsFileChunks, resultsFileText } from '../../../src/history/write-record.ts';
import { item, record } from '../../support/history-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'record-file-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readRecordFile', () => {
  const written = record([item(0), item(1, 'fail')]);

  it('reads a record as the artifacts hold it', async () => {
    expect(await readRecordFile(file('a.jsonl', written.text), 'a.jsonl')).toEqual({ kind: 'record', record: { header: written.header, items: written.items } });
  });

  it('reads the record a results file carries, pretty-printed as the action writes it', async () => {
    // An item text that looks like the writer's placeholder changes nothing.
    const document = { version: 1, eval_id: 'eval_1', failing_items: [{ output: '__evals-gate record items__' }] };
    const text = resultsFileText(document, { header: written.header, items: written.items });
    expect(text.split('\n').filter((line) => line.startsWith('      ["'))).toHaveLength(2);
    expect(JSON.parse(text)).toMatchObject({ ...document, record: { header: written.header } });
    const path = file('results.json', `${text}\n`);
    expect(await readRecordFile(path, 'results.json')).toEqual({ kind: 'record', record: { header: written.header, items: written.items } });
    expect(JSON.parse(resultsFileText(document, null))).toEqual(document);
  });

  it('comes in pieces of about 64 KiB for a large record, which read back as the same record', async () => {
    const large = record(Array.from({ length: 20_000 }, (_, i) => item(i, i % 5 === 0 ? 'fail' : 'pass')));
    const document = { version: 1, eval_id: 'eval_1', failing_items: [] };
    const chunks = [...resultsFileChunks(document, { header: large.header, items: large.items })];
    // The document before the items, the items' pieces, the document after them.
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks.slice(1, -1)) expect(chunk.length).toBeLessThan(64 * 1024 + 200);
    const path = file('large.json', chunks.join(''));
    expect(await readRecordFile(path, 'large.json')).toEqual({ kind: 'record', record: { header: large.header, items: large.items } });
  });

  it('says why a file is not a baseline: an older results file, a record of another version, something else', async () => {
    const older = await readRecordFile(file('old.json', JSON.stringify({ version: 1, eval_id: 'eval_1' }, null, 2)), 'old.json');
    expect(older).toEqual({ kind: 'skipped', note: 'The baseline file old.json was skipped: it is a results file without a record (written by an older evals-gate).' });
    const future = await readRecordFile(file('v2.jsonl', written.text.replace('"version":1', '"version":2')), 'v2.jsonl');
    expect(future.kind === 'skipped' && future.note).toMatch(/version 2/);
    expect((await readRecordFile(file('list.json', '[1,2]'), 'list.json')).kind).toBe('skipped');
    expect((await readRecordFile(file('empty', ''), 'empty')).kind).toBe('skipped');
    expect((await readRecordFile(file('text.txt', 'hello\n'), 'text.txt')).kind).toBe('skipped');
  });
});
