import { LETTER_OUTCOMES, RECORD_SCHEMA, RECORD_VERSION, type RecordHeader, type RecordItem, type RecordKept, type ResultsRecord } from './record-format.js';

/** A header is a few KB; one MiB leaves room for thousands of criteria and still bounds a bad file. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** An item line is ~40 bytes; this bounds one with a very long datasource item id. */
export const MAX_ITEM_LINE_BYTES = 64 * 1024;
/** More items than any run the gate reads (the engine and collectors are sized for 100,000s). */
export const MAX_RECORD_ITEMS = 2_000_000;

/** What reading gave: the record, or why it was skipped (for the report; never an error of the gate). */
export type RecordRead = { kind: 'record'; record: ResultsRecord } | { kind: 'header'; header: RecordHeader } | { kind: 'skipped'; note: string };

export interface ReadOptions {
  /** Stop after the header (a trend needs no items): the rest is never read. */
  headerOnly?: boolean;
  /** Where the record came from, for notes, e.g. `artifact 123` or a path. */
  source: string;
  /** Checks the header before any item is read: a reason stops the read and skips the record. */
  accept?: (header: RecordHeader) => string | null;
}

class Skip extends Error {}

/**
 * Reads a record from its bytes as they arrive, one line at a time: memory holds the items read so far
 * and one line, never the whole text. A record of an unknown version, a malformed one and a truncated
 * one are skipped with a note saying which.
 */
export async function readRecord(chunks: AsyncIterable<Uint8Array | string>, options: ReadOptions): Promise<RecordRead> {
  let header: RecordHeader | null = null;
  const items: RecordItem[] = [];
  let lineNumber = 0;
  try {
    for await (const line of splitLines(chunks, () => (header === null ? MAX_HEADER_BYTES : MAX_ITEM_LINE_BYTES))) {
      lineNumber++;
      if (header === null) {
        header = parseHeader(line);
        const refusal = options.accept?.(header) ?? null;
        if (refusal !== null) return { kind: 'skipped', note: `${options.source} was skipped: ${refusal}.` };
        if (options.headerOnly) return { kind: 'header', header };
        continue;
      }
      if (line.trim() === '') continue;
      if (items.length >= header.items.count || items.length >= MAX_RECORD_ITEMS) throw new Skip(`it has more item lines than the ${header.items.count} its header announces`);
      items.push(keptItem(header, parseItem(line, header.items.criteria.length, lineNumber), `line ${lineNumber}`));
    }
  } catch (error) {
    if (error instanceof Skip) return { kind: 'skipped', note: `${options.source} was skipped: ${error.message}.` };
    throw error;
  }
  if (header === null) return { kind: 'skipped', note: `${options.source} was skipped: it is empty.` };
  if (items.length !== header.items.count) {
    return { kind: 'skipped', note: `${options.source} was skipped: it is truncated (${items.length} of ${header.items.count} items).` };
  }
  return { kind: 'record', record: { header, items } };
}

/** Lines of UTF-8 text, without their `\n` (or `\r\n`); a line longer than `maxBytes()` stops the read. */
async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, maxBytes: () => number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  const decode = (chunk: Uint8Array | string, last: boolean): string => {
    try {
      return typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: !last });
    } catch {
      throw new Skip('it is not UTF-8 text');
    }
  };
  for await (const chunk of chunks) {
    pending += decode(chunk, false);
    let start = 0;
    for (let end = pending.indexOf('\n', start); end !== -1; end = pending.indexOf('\n', start)) {
      yield stripCarriageReturn(pending.slice(start, end));
      start = end + 1;
    }
    pending = pending.slice(start);
    // Characters are at most 3 bytes (4 for a surrogate pair of 2): a cheap upper bound of the bytes.
    if (pending.length > maxBytes()) throw new Skip(`a line is longer than ${maxBytes()} bytes`);
  }
  pending += decode(new Uint8Array(0), true);
  if (pending !== '') yield stripCarriageReturn(pending);
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function parseJson(line: string, what: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new Skip(`its ${what} is not JSON`);
  }
}

/** The header, checked field by field: a record is read only when every field has its type. */
export function parseHeader(line: string): RecordHeader {
  const value = parseJson(line, 'first line');
  if (!isObject(value) || value['schema'] !== RECORD_SCHEMA) throw new Skip('it is not an evals-gate results record');
  return checkHeader(value);
}

export function checkHeader(value: Record<string, unknown>): RecordHeader {
  if (value['schema'] !== RECORD_SCHEMA) throw new Skip('it is not an evals-gate results record');
  const version = value['version'];
  if (version !== RECORD_VERSION) {
    throw new Skip(`it is a record of version ${JSON.stringify(version)}, and this evals-gate reads version ${RECORD_VERSION} only`);
  }
  const bad = (field: string): never => {
    throw new Skip(`its header's "${field}" is missing or malformed`);
  };
  const text = (object: Record<string, unknown>, key: string, path = key): string => (typeof object[key] === 'string' ? (object[key] as string) : bad(path));
  const textOrNull = (object: Record<string, unknown>, key: string, path = key): string | null =>
    object[key] === null ? null : typeof object[key] === 'string' ? (object[key] as string) : bad(path);
  const count = (object: Record<string, unknown>, key: string, path = key): number => {
    const n = object[key];
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : bad(path);
  };
  const fraction = (n: unknown, path: string): number => (typeof n === 'number' && n >= 0 && n <= 1 ? n : bad(path));
  const object = (key: string): Record<string, unknown> => (isObject(value[key]) ? (value[key] as Record<string, unknown>) : bad(key));

  const workflowRun = object('workflow_run');
  const evalInfo = object('eval');
  const run = object('run');
  const dataset = object('dataset');
  const counts = object('counts');
  const items = object('items');
  const pr = value['pr'];
  if (pr !== null && !(typeof pr === 'number' && Number.isSafeInteger(pr) && pr > 0)) bad('pr');
  const engine = value['engine'];
  if (engine !== 'local' && engine !== 'remote') bad('engine');
  const verdict = value['verdict'];
  if (verdict !== 'pass' && verdict !== 'fail') bad('verdict');
  const createdAt = text(value, 'created_at');
  if (Number.isNaN(Date.parse(createdAt))) bad('created_at');
  const criteria = Array.isArray(value['criteria']) ? (value['criteria'] as unknown[]) : bad('criteria');
  const itemCriteria = Array.isArray(items['criteria']) ? (items['criteria'] as unknown[]) : bad('items.criteria');
  const columns = Array.isArray(items['columns']) ? (items['columns'] as unknown[]) : bad('items.columns');
  if (columns.length !== 4 || columns.some((column) => typeof column !== 'string')) bad('items.columns');
  const kept = items['kept'] ?? 'all';
  if (kept !== 'all' && kept !== 'failing') bad('items.kept');

  return {
    schema: RECORD_SCHEMA,
    version: RECORD_VERSION,
    gate_key: text(value, 'gate_key'),
    repository: textOrNull(value, 'repository'),
    event: textOrNull(value, 'event'),
    ref: textOrNull(value, 'ref'),
    branch: textOrNull(value, 'branch'),
    sha: textOrNull(value, 'sha'),
    pr: pr as number | null,
    workflow_run: { id: textOrNull(workflowRun, 'id', 'workflow_run.id'), attempt: count(workflowRun, 'attempt', 'workflow_run.attempt') },
    created_at: createdAt,
    engine: engine as 'local' | 'remote',
    eval: {
      id: text(evalInfo, 'id', 'eval.id'),
      name: text(evalInfo, 'name', 'eval.name'),
      definition_fingerprint: textOrNull(evalInfo, 'definition_fingerprint', 'eval.definition_fingerprint'),
    },
    run: { id: text(run, 'id', 'run.id'), name: text(run, 'name', 'run.name') },
    dataset: { kind: text(dataset, 'kind', 'dataset.kind'), fingerprint: text(dataset, 'fingerprint', 'dataset.fingerprint') },
    counts: {
      total: count(counts, 'total', 'counts.total'),
      passed: count(counts, 'passed', 'counts.passed'),
      failed: count(counts, 'failed', 'counts.failed'),
      errored: count(counts, 'errored', 'counts.errored'),
      skipped: count(counts, 'skipped', 'counts.skipped'),
    },
    score: fraction(value['score'], 'score'),
    threshold: fraction(value['threshold'], 'threshold'),
    verdict: verdict as 'pass' | 'fail',
    criteria: criteria.map((entry, index) => {
      const path = `criteria[${index}]`;
      if (!isObject(entry)) return bad(path);
      const rate = entry['rate'];
      return {
        name: text(entry, 'name', `${path}.name`),
        passed: count(entry, 'passed', `${path}.passed`),
        failed: count(entry, 'failed', `${path}.failed`),
        rate: rate === null ? null : fraction(rate, `${path}.rate`),
      };
    }),
    items: {
      count: count(items, 'count', 'items.count'),
      criteria: itemCriteria.map((name, index) => (typeof name === 'string' ? name : bad(`items.criteria[${index}]`))),
      columns: columns as string[],
      kept: kept as RecordKept,
    },
  };
}

const STATES = /^[pfe-]*$/;

/** One item line: `[id | null, content_hash, outcome letter, state letters]`. */
export function parseItem(line: string, criteria: number, lineNumber: number): RecordItem {
  return checkItem(parseJson(line, `line ${lineNumber}`), criteria, `line ${lineNumber}`);
}

export function checkItem(value: unknown, criteria: number, where: string): RecordItem {
  if (!Array.isArray(value) || value.length !== 4) throw new Skip(`its ${where} is not an item`);
  const [id, contentHash, letter, states] = value as unknown[];
  const outcome = typeof letter === 'string' && Object.hasOwn(LETTER_OUTCOMES, letter) ? LETTER_OUTCOMES[letter] : undefined;
  if (
    (id !== null && typeof id !== 'string') ||
    typeof contentHash !== 'string' ||
    contentHash === '' ||
    outcome === undefined ||
    typeof states !== 'string' ||
    states.length !== criteria ||
    !STATES.test(states)
  ) {
    throw new Skip(`its ${where} is not an item`);
  }
  return { id, contentHash, outcome, states };
}

/**
 * The record a results file carries (`record`: the header and the items as arrays): how a results
 * file of an earlier run, or of the CLI, is a baseline. The file is parsed whole, so its size is capped.
 */
export function recordOfResultsDocument(document: unknown, source: string): RecordRead {
  try {
    const record = isObject(document) ? document['record'] : undefined;
    if (!isObject(record) || !isObject(record['header']) || !Array.isArray(record['items'])) {
      throw new Skip('it is a results file without a record (written by an older evals-gate)');
    }
    const header = checkHeader(record['header']);
    const items = (record['items'] as unknown[]).map((entry, index) => keptItem(header, checkItem(entry, header.items.criteria.length, `item ${index + 1}`), `item ${index + 1}`));
    if (items.length !== header.items.count) throw new Skip(`it is truncated (${items.length} of ${header.items.count} items)`);
    return { kind: 'record', record: { header, items } };
  } catch (error) {
    if (error instanceof Skip) return { kind: 'skipped', note: `${source} was skipped: ${error.message}.` };
    throw error;
  }
}

/** A record that keeps only its failing items holds no other: a passing one means it was misread or forged. */
function keptItem(header: RecordHeader, item: RecordItem, where: string): RecordItem {
  if (header.items.kept === 'failing' && item.outcome !== 'fail' && item.outcome !== 'error') {
    throw new Skip(`it keeps only its failing items, but its ${where} is ${item.outcome === 'pass' ? 'a passing' : 'a skipped'} one`);
  }
  return item;
}

/** Why a record was skipped, when `error` says so; other errors are not the record's fault. */
export function skipReason(error: unknown): string | null {
  return error instanceof Skip ? error.message : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
