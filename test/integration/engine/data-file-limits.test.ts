// The local engine's data-file reader on hostile files written to a temporary folder: a file over the
// size limit (sparse, so it costs no disk), a line over the length limit (a 17 MiB line, and a 200 MiB
// sparse run of zero bytes without a newline), and rows nested far deeper than the limit; each refused
// before any item runs, naming the line.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_DATA_FILE_BYTES, MAX_LINE_BYTES, MAX_ROW_DEPTH } from '../../../src/engine/row-limits.ts';
import { checkJsonlFile, readRows, toRowSource } from '../../../src/engine/rows.ts';
import { rejection } from '../../support/rejection.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'data-file-limits-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A file of `size` bytes that holds `head` and then zero bytes, none of them on disk (sparse). */
function sparse(name: string, size: number, head = ''): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    if (head) writeSync(fd, head);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}

const row = (n: number) => JSON.stringify({ item: { question: `q${n}` }, sample: { output_text: `a${n}` } });
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

async function errorOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

describe('checkJsonlFile limits', () => {
  it('refuses a file over the size limit before reading it', async () => {
    const path = sparse('huge.jsonl', MAX_DATA_FILE_BYTES + 1024 * 1024, `${row(1)}\n`);
    const started = Date.now();
    expect(await errorOf(checkJsonlFile(path, 'data/huge.jsonl'))).toBe('data/huge.jsonl is 513 MiB; the local engine reads data files of at most 512 MiB.');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses a line over the length limit with its number, without holding it, and reads on', async () => {
    const path = join(dir, 'long.jsonl');
    const fd = openSync(path, 'w');
    writeSync(fd, `${row(1)}\n{"item": {"question": "`);
    const block = Buffer.alloc(1024 * 1024, 'x');
    for (let written = 0; written <= MAX_LINE_BYTES; written += block.length) writeSync(fd, block);
    writeSync(fd, `"}}\n${row(3)}\n${'z'.repeat(10)}\n`);
    closeSync(fd);
    const heapBefore = process.memoryUsage().heapUsed;
    const message = await errorOf(checkJsonlFile(path, 'data/long.jsonl'));
    expect(message).toBe(
      'data/long.jsonl has 2 malformed lines:\n  line 2: longer than 16 MiB, the longest line a data file may have\n  line 4: not valid JSON (Unexpected token \'z\', "zzzzzzzzzz" is not valid JSON)',
    );
    // The 17 MiB line was skipped, never assembled into a string.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(MAX_LINE_BYTES);
  });

  it('refuses a 200 MiB line of zero bytes (a sparse file) without a RangeError', async () => {
    const path = sparse('zeros.jsonl', 200 * 1024 * 1024, `${row(1)}\n`);
    expect(await errorOf(checkJsonlFile(path, 'data/zeros.jsonl'))).toBe(
      'data/zeros.jsonl has 1 malformed line:\n  line 2: longer than 16 MiB, the longest line a data file may have',
    );
  });

  it('refuses rows nested deeper than the limit with their line numbers, not a stack overflow', async () => {
    const deep = JSON.stringify({ item: JSON.parse(nested(MAX_ROW_DEPTH - 1)) });
    const path = file('deep.jsonl', [row(1), deep, `{"item": ${nested(100_000)}}`, `[${nested(10)}]`].join('\n'));
    expect(await errorOf(checkJsonlFile(path, 'data/deep.jsonl'))).toBe(
      'data/deep.jsonl has 2 malformed lines:\n  line 3: nested more than 64 levels deep (objects and lists within each other, {"item": {…}} counting 2)\n  line 4: each line must be a JSON object',
    );
    // 64 levels, the row's own included, are read.
    const limit = file('limit.jsonl', deep);
    await expect(checkJsonlFile(limit, 'data/limit.jsonl')).resolves.toBe(1);
    const rows = [];
    for await (const read of readRows({ type: 'file_path', path: limit, label: 'limit' })) rows.push(read);
    expect(rows).toHaveLength(1);
  });

  it('refuses inline rows nested deeper than the limit', () => {
    expect(() => toRowSource({ type: 'file_content', content: [{ item: {} }, { item: JSON.parse(nested(100_000)) }] })).toThrow(
      'data_source.source.content[1]: nested more than 64 levels deep',
    );
  });

  it('reads CRLF line ends, a byte order mark, blank lines and multi-byte text split across chunks', async () => {
    const long = 'é'.repeat(70_000);
    const path = file('mixed.jsonl', `\ufeff${row(1)}\r\n\r\n   \n${JSON.stringify({ item: { question: long } })}\r\n${row(3)}`);
    await expect(checkJsonlFile(path, 'mixed')).resolves.toBe(3);
    const items = [];
    for await (const read of readRows({ type: 'file_path', path, label: 'mixed' })) items.push(read.item.question);
    expect(items).toEqual(['q1', long, 'q3']);
  });
});
