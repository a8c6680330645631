import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ItemValidator } from './item-validator.js';
import { FILE_PATH_SOURCE, type JsonlRow, parseJsonlRow, TOO_DEEP } from './jsonl-row.js';
import { formatBytes, LINE_TOO_LONG, MAX_DATA_FILE_BYTES, MAX_LINE_BYTES, MAX_ROW_DEPTH, nestedDeeperThan } from './row-limits.js';

export { FILE_PATH_SOURCE };

/** A data source's `source` the engine can read, or why it cannot. */
export type RowSource = { type: 'file_content'; content: JsonlRow[] } | { type: typeof FILE_PATH_SOURCE; path: string; label: string };

/** Reads a `source` object from a run's data source; throws an Error the API answers 400 with. */
export function toRowSource(raw: unknown): RowSource {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (source.type === 'file_content') {
    if (!Array.isArray(source.content)) throw new Error('data_source.source.content must be a list of rows.');
    const content = source.content.map((row, index) => {
      // Checked before JSON.stringify, which would overflow the stack on a deep enough row.
      if (nestedDeeperThan(row, MAX_ROW_DEPTH)) throw new Error(`data_source.source.content[${index}]: ${TOO_DEEP}.`);
      const parsed = typeof row === 'object' && row !== null ? parseJsonlRow(JSON.stringify(row)) : 'not an object';
      if (typeof parsed === 'string') throw new Error(`data_source.source.content[${index}]: ${parsed}.`);
      return parsed;
    });
    return { type: 'file_content', content };
  }
  if (source.type === FILE_PATH_SOURCE && typeof source.path === 'string') {
    return { type: FILE_PATH_SOURCE, path: source.path, label: typeof source.label === 'string' ? source.label : source.path };
  }
  if (source.type === 'file_id') {
    throw new Error('data_source.source is a file_id: files stored on OpenAI/Azure are read by the remote engine only; the local engine takes a data-file or inline rows (file_content).');
  }
  throw new Error(`data_source.source.type ${JSON.stringify(source.type)} is not one the local engine reads (file_content, or a data-file).`);
}

const MAX_REPORTED_BAD_LINES = 5;

/**
 * Reads a JSONL file once without keeping it, to find what would fail before any item runs (and costs a
 * model call): a file too big, malformed, too long or too deeply nested lines, and items that do not
 * match the eval's item_schema, the first few of each reported with their line numbers. Returns the
 * number of rows.
 */
export async function checkJsonlFile(path: string, label: string, validateItem: ItemValidator | null = null): Promise<number> {
  const { size } = await stat(path);
  if (size > MAX_DATA_FILE_BYTES) {
    throw new Error(`${label} is ${formatBytes(size)}; the local engine reads data files of at most ${formatBytes(MAX_DATA_FILE_BYTES)}.`);
  }
  let rows = 0;
  const bad = new Tally();
  const mismatched = new Tally();
  for await (const { line, number } of lines(path)) {
    const parsed = parseLine(line);
    if (typeof parsed === 'string') {
      bad.add(`line ${number}: ${parsed}`);
      continue;
    }
    rows++;
    const problem = validateItem?.(parsed.item);
    if (problem) mismatched.add(`line ${number}: ${problem}`);
  }
  if (bad.count > 0) throw new Error(`${label} has ${bad.count} malformed line${bad.count === 1 ? '' : 's'}${bad.more('bad lines')}:${bad.list()}`);
  if (mismatched.count > 0) throw new Error(`${label} has ${schemaMismatch(mismatched)}`);
  if (rows === 0) throw new Error(`${label} has no rows.`);
  return rows;
}

/** Checks inline rows (file_content) against the eval's item_schema; throws naming the first few that do not match. */
export function checkRowItems(rows: readonly JsonlRow[], validateItem: ItemValidator, where: string): void {
  const mismatched = new Tally();
  rows.forEach((row, index) => {
    const problem = validateItem(row.item);
    if (problem) mismatched.add(`${where}[${index}]: ${problem}`);
  });
  if (mismatched.count > 0) throw new Error(`${where} has ${schemaMismatch(mismatched)}`);
}

/** The rows of a source, in order. */
export async function* readRows(source: RowSource): AsyncGenerator<JsonlRow> {
  if (source.type === 'file_content') {
    yield* source.content;
    return;
  }
  for await (const { line, number } of lines(source.path)) {
    const parsed = parseLine(line);
    // The file was checked when the run was created; a line that went bad since is an error of the run.
    if (typeof parsed === 'string') throw new Error(`${source.label} line ${number}: ${parsed}.`);
    yield parsed;
  }
}

/** Problems counted, the first few kept for the message. */
class Tally {
  count = 0;
  readonly shown: string[] = [];

  add(problem: string): void {
    if (++this.count <= MAX_REPORTED_BAD_LINES) this.shown.push(problem);
  }

  /** ` (and 2 more bad lines)` when some are not shown. */
  more(what: string): string {
    return this.count > this.shown.length ? ` (and ${this.count - this.shown.length} more ${what})` : '';
  }

  /** The problems shown, one an indented line. */
  list(): string {
    return `\n  ${this.shown.join('\n  ')}`;
  }
}

function schemaMismatch(mismatched: Tally): string {
  const items = mismatched.count === 1 ? 'item that does not match' : 'items that do not match';
  const shown = mismatched.count > mismatched.shown.length ? `. The first ${mismatched.shown.length}` : '';
  return `${mismatched.count} ${items} the eval's item_schema (data_source_config.item_schema); no item was run${shown}:${mismatched.list()}`;
}

/** A line as a row, or what is wrong with it. */
function parseLine(line: string | null): JsonlRow | string {
  return line === null ? LINE_TOO_LONG : parseJsonlRow(line);
}

const NEWLINE = 0x0a;

/**
 * The file's non-blank lines, split on "\n" (as the remote path's reader does) and trimmed. A line longer
 * than MAX_LINE_BYTES is never assembled: it comes as `line: null`, its bytes skipped.
 */
async function* lines(path: string): AsyncGenerator<{ line: string | null; number: number }> {
  let number = 0;
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  /** Ends the current line with `last`: the line, null when it is too long, or undefined when blank. */
  const take = (last: Buffer): { line: string | null; number: number } | undefined => {
    number++;
    const over = tooLong || length + last.length > MAX_LINE_BYTES;
    const text = over ? null : (parts.length === 0 ? last : Buffer.concat([...parts, last])).toString('utf8').trim();
    parts = [];
    length = 0;
    tooLong = false;
    return text === '' ? undefined : { line: text, number };
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const line = take(chunk.subarray(start, end));
      if (line) yield line;
      start = end + 1;
    }
    if (start < chunk.length && !tooLong) {
      length += chunk.length - start;
      // Past the limit the rest of the line is only skipped, never held.
      if (length > MAX_LINE_BYTES) {
        tooLong = true;
        parts = [];
      } else {
        parts.push(chunk.subarray(start));
      }
    }
  }
  if (length > 0 || tooLong) {
    const line = take(Buffer.alloc(0));
    if (line) yield line;
  }
}
