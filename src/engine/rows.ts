import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FILE_PATH_SOURCE, type JsonlRow, parseJsonlRow } from './jsonl-row.js';

export { FILE_PATH_SOURCE };

/** A data source's `source` the engine can read, or why it cannot. */
export type RowSource = { type: 'file_content'; content: JsonlRow[] } | { type: typeof FILE_PATH_SOURCE; path: string; label: string };

/** Reads a `source` object from a run's data source; throws an Error the API answers 400 with. */
export function toRowSource(raw: unknown): RowSource {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (source.type === 'file_content') {
    if (!Array.isArray(source.content)) throw new Error('data_source.source.content must be a list of rows.');
    const content = source.content.map((row, index) => {
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
 * Reads a JSONL file once without keeping it, to find malformed lines before any item runs (and costs a
 * model call). Returns the number of rows.
 */
export async function checkJsonlFile(path: string, label: string): Promise<number> {
  let rows = 0;
  let badLines = 0;
  const problems: string[] = [];
  for await (const { line, number } of lines(path)) {
    const parsed = parseJsonlRow(line);
    if (typeof parsed !== 'string') rows++;
    else if (++badLines <= MAX_REPORTED_BAD_LINES) problems.push(`line ${number}: ${parsed}`);
  }
  if (badLines > 0) {
    const more = badLines > problems.length ? ` (and ${badLines - problems.length} more bad lines)` : '';
    throw new Error(`${label} has ${badLines} malformed line${badLines === 1 ? '' : 's'}${more}:\n  ${problems.join('\n  ')}`);
  }
  if (rows === 0) throw new Error(`${label} has no rows.`);
  return rows;
}

/** The rows of a source, in order. */
export async function* readRows(source: RowSource): AsyncGenerator<JsonlRow> {
  if (source.type === 'file_content') {
    yield* source.content;
    return;
  }
  for await (const { line, number } of lines(source.path)) {
    const parsed = parseJsonlRow(line);
    // The file was checked when the run was created; a line that went bad since is an error of the run.
    if (typeof parsed === 'string') throw new Error(`${source.label} line ${number}: ${parsed}.`);
    yield parsed;
  }
}

async function* lines(path: string): AsyncGenerator<{ line: string; number: number }> {
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of reader) {
      number++;
      const line = raw.trim();
      if (line) yield { line, number };
    }
  } finally {
    reader.close();
  }
}
