import { ITEM_COLUMNS, OUTCOME_LETTERS, RECORD_SCHEMA, RECORD_VERSION, type RecordCounts, type RecordCriterion, type RecordHeader, type RecordItem, type RecordKept } from './record-format.js';
import type { RecordItems } from './record-items.js';

/** What a record says about its run, besides the items (which `RecordItems` collected). */
export interface RecordFacts {
  gateKey: string;
  repository: string | null;
  event: string | null;
  ref: string | null;
  branch: string | null;
  sha: string | null;
  pr: number | null;
  workflowRunId: string | null;
  workflowRunAttempt: number;
  createdAt: Date;
  engine: 'local' | 'remote';
  evalId: string;
  evalName: string;
  definitionFingerprint: string | null;
  runId: string;
  runName: string;
  datasetKind: string;
  /** The dataset's fingerprint; by default the items' (every item must then be kept). */
  datasetFingerprint?: string;
  /** Which items `RecordItems` holds: every one (the default), or the failing ones alone. */
  kept?: RecordKept;
  counts: RecordCounts;
  score: number;
  threshold: number;
  verdict: 'pass' | 'fail';
  criteria: RecordCriterion[];
}

export function recordHeader(facts: RecordFacts, items: RecordItems): RecordHeader {
  return {
    schema: RECORD_SCHEMA,
    version: RECORD_VERSION,
    gate_key: facts.gateKey,
    repository: facts.repository,
    event: facts.event,
    ref: facts.ref,
    branch: facts.branch,
    sha: facts.sha,
    pr: facts.pr,
    workflow_run: { id: facts.workflowRunId, attempt: facts.workflowRunAttempt },
    created_at: facts.createdAt.toISOString(),
    engine: facts.engine,
    eval: { id: facts.evalId, name: facts.evalName, definition_fingerprint: facts.definitionFingerprint },
    run: { id: facts.runId, name: facts.runName },
    dataset: { kind: facts.datasetKind, fingerprint: facts.datasetFingerprint ?? items.datasetFingerprint() },
    counts: { ...facts.counts },
    score: facts.score,
    threshold: facts.threshold,
    verdict: facts.verdict,
    criteria: facts.criteria.map(({ name, passed, failed, rate }) => ({ name, passed, failed, rate })),
    items: { count: items.items.length, criteria: [...items.criteria], columns: ITEM_COLUMNS, kept: facts.kept ?? 'all' },
  };
}

/** An item as its line's array. */
export function itemArray(item: RecordItem): [string | null, string, string, string] {
  return [item.id, item.contentHash, OUTCOME_LETTERS[item.outcome], item.states];
}

/** The record's lines, header first, each ending in `\n`: written or uploaded as they come. */
export function* recordLines(header: RecordHeader, items: Iterable<RecordItem>): Generator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const item of items) yield `${JSON.stringify(itemArray(item))}\n`;
}

/** The whole record as one string (tests, and the results file's copy). */
export function recordText(header: RecordHeader, items: Iterable<RecordItem>): string {
  return [...recordLines(header, items)].join('');
}

const ITEMS_PLACEHOLDER = '__evals-gate record items__';

/**
 * A results file's text: the document pretty-printed, with the run's record under `record`
 * (`{"header": …, "items": [[…], …]}`), one item a line so that 100,000 items stay a few MB.
 */
export function resultsFileText(document: object, record: { header: RecordHeader; items: readonly RecordItem[] } | null): string {
  return [...resultsFileChunks(document, record)].join('');
}

/** Item lines are handed over this many characters at a time: few writes, and never the whole text at once. */
const CHUNK_CHARS = 64 * 1024;

/** The same text in pieces of up to about 64 KiB, the item lines made as they are written. */
export function* resultsFileChunks(document: object, record: { header: RecordHeader; items: readonly RecordItem[] } | null): Generator<string> {
  if (record === null) {
    yield JSON.stringify(document, null, 2);
    return;
  }
  const text = JSON.stringify({ ...document, record: { header: record.header, items: ITEMS_PLACEHOLDER } }, null, 2);
  // The record is the document's last key: its placeholder is the last one, whatever the items' texts say.
  const placeholder = JSON.stringify(ITEMS_PLACEHOLDER);
  const at = text.lastIndexOf(placeholder);
  yield text.slice(0, at);
  if (record.items.length === 0) {
    yield '[]';
  } else {
    let chunk = '[\n';
    for (let index = 0; index < record.items.length; index++) {
      chunk += `${index > 0 ? ',\n' : ''}      ${JSON.stringify(itemArray(record.items[index] as RecordItem))}`;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}\n    ]`;
  }
  yield text.slice(at + placeholder.length);
}
