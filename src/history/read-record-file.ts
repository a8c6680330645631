import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { type RecordRead, readRecord, recordOfResultsDocument } from './read-record.js';

/** A results file (JSON, parsed whole) larger than this is refused; records (JSON Lines) stream. */
export const MAX_RESULTS_FILE_BYTES = 256 * 1024 * 1024;

/**
 * A record from a file: a record as the artifacts hold it (JSON Lines, read a line at a time), or a
 * results file of an earlier run (the action's `results-file`, the CLI's `--results-file`), which
 * carries its record.
 */
export async function readRecordFile(path: string, label: string): Promise<RecordRead> {
  const first = await firstCharacter(path);
  const source = `The baseline file ${label}`;
  if (first === '[' || first === null) return { kind: 'skipped', note: `${source} was skipped: it is not a record nor a results file.` };
  const head = await readRecord(createReadStream(path), { source, headerOnly: true });
  if (head.kind === 'header') return readRecord(createReadStream(path), { source });
  // Not a record's first line: a results file (pretty-printed JSON) carrying one.
  const { size } = await stat(path);
  if (size > MAX_RESULTS_FILE_BYTES) return { kind: 'skipped', note: `${source} was skipped: a results file over ${MAX_RESULTS_FILE_BYTES / 1024 / 1024} MiB is not read whole.` };
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return head;
  }
  return recordOfResultsDocument(document, source);
}

async function firstCharacter(path: string): Promise<string | null> {
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 4096 })) {
    const found = /\S/.exec(chunk as string);
    if (found) return found[0];
  }
  return null;
}
