// The results record: what one gate run leaves behind for later runs to compare with (a baseline) and to
// draw (a trend). It is JSON Lines, so that a reader holds one line at a time: the first line is the
// header (everything but the items), then one line per item. Items are compact arrays:
//   [datasource_item_id | null, content_hash, outcome, states]
// where `outcome` is one letter (p pass, f fail, e error, s skipped) and `states` one letter per
// criterion of `items.criteria`, in that order (p passed, f failed, e errored without a verdict,
// - no result). 100,000 items take about 4 MB.
//
// A record keeps every item (`items.kept: all`), or, when the gate read only the run's failing list (the
// remote engine, where the run object gives the counts), only its failed and errored items
// (`items.kept: failing`): the header's counts say how many passed. Such a record is a baseline for a
// run of the same dataset, paired by id; a run of other rows cannot be paired with it item by item.

/** The `schema` of every record; a line with another one is not a record. */
export const RECORD_SCHEMA = 'evals-gate/results-record';
/** The version this code writes and reads. A record of another version is skipped, never misread. */
export const RECORD_VERSION = 1;
/** The columns of an item line, named in the header so that a reader can tell what it holds. */
export const ITEM_COLUMNS = ['datasource_item_id', 'content_hash', 'outcome', 'states'] as const;

export type RecordOutcome = 'pass' | 'fail' | 'error' | 'skipped';

export const OUTCOME_LETTERS: Record<RecordOutcome, string> = { pass: 'p', fail: 'f', error: 'e', skipped: 's' };
export const LETTER_OUTCOMES: Record<string, RecordOutcome> = { p: 'pass', f: 'fail', e: 'error', s: 'skipped' };
/** Which items a record keeps: every one, or the failed and errored ones alone. */
export type RecordKept = 'all' | 'failing';

/** Letters of a criterion's state on one item. */
export const STATE_LETTERS = { passed: 'p', failed: 'f', errored: 'e', none: '-' } as const;

export interface RecordCounts {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}

export interface RecordCriterion {
  /** The grader's name, or `grader/metric`: the per-criterion table's name. */
  name: string;
  passed: number;
  failed: number;
  /** passed / (passed + failed); null when it graded nothing. */
  rate: number | null;
}

/** Everything but the items: the record's first line. Field names are the file's (snake_case). */
export interface RecordHeader {
  schema: typeof RECORD_SCHEMA;
  version: typeof RECORD_VERSION;
  /** The gate's `comment-key`: runs of other gates never compare. */
  gate_key: string;
  /** `owner/repo`. */
  repository: string | null;
  /** `GITHUB_EVENT_NAME`: only push, schedule and workflow_dispatch records are baselines. */
  event: string | null;
  ref: string | null;
  branch: string | null;
  /** The commit under test (a pull request's head commit). */
  sha: string | null;
  pr: number | null;
  workflow_run: { id: string | null; attempt: number };
  /** When the record was made (ISO 8601). */
  created_at: string;
  engine: 'local' | 'remote';
  eval: { id: string; name: string; definition_fingerprint: string | null };
  run: { id: string; name: string };
  /**
   * `kind` is the data source's type (jsonl, completions, responses). The fingerprint is of the items'
   * ids and contents on the local engine, which sees every item; on the remote engine it is the data
   * source's, as the run's metadata holds it, the one its baselines on the Evals API pair by.
   */
  dataset: { kind: string; fingerprint: string };
  counts: RecordCounts;
  score: number;
  threshold: number;
  verdict: 'pass' | 'fail';
  criteria: RecordCriterion[];
  /** `kept` is absent in records written before it existed, which kept every item. */
  items: { count: number; criteria: string[]; columns: readonly string[]; kept: RecordKept };
}

/** One item as a comparison needs it. */
export interface RecordItem {
  id: string | null;
  contentHash: string;
  outcome: RecordOutcome;
  /** One letter per criterion of the header's `items.criteria`. */
  states: string;
}

export interface ResultsRecord {
  header: RecordHeader;
  items: RecordItem[];
}
